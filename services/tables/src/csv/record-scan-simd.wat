;; The hot loop of record-scan.mjs for delimited text without quotes, 64 bytes at a time with
;; WebAssembly SIMD128: two 64-bit masks per block (newline bytes, delimiter bytes); the
;; delimiters of a line are a popcount of the delimiter mask below its newline bit. A block with
;; at most two newlines is judged without a branch per line; others one newline at a time.
;; A line that has `expected` delimiters, is not blank, is not a comment and is not due in the
;; row index is counted here; on any other line the scan stops and returns that line's newline
;; offset, for record-scan.mjs to judge (ragged row, blank line, comment, header, indexed row),
;; which then calls again from the next line.
;;
;; Source of record-scan-simd.wasm: `npm run build:record-scan-wasm -w services/tables`
;; (record-scan-simd.test.ts fails when the two differ).
(module
  ;; The read buffer, at offset 0, with at least 64 bytes to spare after `to`: a block is always
  ;; loaded whole and the bytes past `to` masked off.
  (import "scan" "memory" (memory 1))

  ;; Set on return: lines counted here (each a record), where the returned (or the unfinished)
  ;; line starts, and the returned line's delimiter count.
  (global $lines (export "lines") (mut i32) (i32.const 0))
  (global $lineStart (export "lineStart") (mut i32) (i32.const 0))
  (global $delimiters (export "delimiters") (mut i32) (i32.const 0))

  ;; Scans lines starting at `from` (a line start) up to `to`. `until`: lines it may count before
  ;; the next one the row index keeps. Returns the newline offset of the first line left to the
  ;; caller, or -1 when it reached `to` (`lineStart` is then where the unfinished line starts).
  (func (export "scanPlain")
    (param $from i32) (param $to i32) (param $delimiter i32) (param $expected i32) (param $until i32) (param $comments i32)
    (result i32)
    (local $pos i32) (local $lineStart i32) (local $carried i32) (local $lines i32)
    (local $newline i32) (local $count i32) (local $length i32)
    (local $newlineBytes v128) (local $delimiterBytes v128)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $nl i64) (local $dm i64) (local $bit i64) (local $valid i64)
    (local $n i32) (local $total i32) (local $before0 i32) (local $before1 i32) (local $careful i32)
    (local $low i64) (local $high i64) (local $last i64)
    ;; Comments, or one field per row (where a blank line has the expected count): line by line.
    (local.set $careful (i32.or (local.get $comments) (i32.eqz (local.get $expected))))
    (local.set $newlineBytes (i8x16.splat (i32.const 10)))
    (local.set $delimiterBytes (i8x16.splat (local.get $delimiter)))
    (local.set $pos (local.get $from))
    (local.set $lineStart (local.get $from))
    (block $end
      (loop $blocks
        (br_if $end (i32.ge_u (local.get $pos) (local.get $to)))
        (local.set $v0 (v128.load (local.get $pos)))
        (local.set $v1 (v128.load offset=16 (local.get $pos)))
        (local.set $v2 (v128.load offset=32 (local.get $pos)))
        (local.set $v3 (v128.load offset=48 (local.get $pos)))
        (local.set $nl
          (i64.or
            (i64.or
              (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v0) (local.get $newlineBytes))))
              (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v1) (local.get $newlineBytes)))) (i64.const 16)))
            (i64.or
              (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v2) (local.get $newlineBytes)))) (i64.const 32))
              (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v3) (local.get $newlineBytes)))) (i64.const 48)))))
        (local.set $dm
          (i64.or
            (i64.or
              (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v0) (local.get $delimiterBytes))))
              (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v1) (local.get $delimiterBytes)))) (i64.const 16)))
            (i64.or
              (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v2) (local.get $delimiterBytes)))) (i64.const 32))
              (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v3) (local.get $delimiterBytes)))) (i64.const 48)))))
        ;; The last block: only the bytes before `to` count.
        (if (i32.gt_u (i32.add (local.get $pos) (i32.const 64)) (local.get $to))
          (then
            (local.set $valid
              (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (i32.sub (local.get $to) (local.get $pos)))) (i64.const 1)))
            (local.set $nl (i64.and (local.get $nl) (local.get $valid)))
            (local.set $dm (i64.and (local.get $dm) (local.get $valid)))))
        (local.set $n (i32.wrap_i64 (i64.popcnt (local.get $nl))))
        (local.set $total (i32.wrap_i64 (i64.popcnt (local.get $dm))))
        (block $next
          (block $exact
            ;; Up to two newlines, the common case from ~32-byte rows up, are checked without a
            ;; branch per line (a mispredicted branch per line cost two thirds of the time).
            (br_if $exact (i32.or (local.get $careful) (i32.gt_u (local.get $n) (i32.const 2))))
            (local.set $low (i64.and (local.get $nl) (i64.sub (i64.const 0) (local.get $nl))))
            (local.set $high (i64.xor (local.get $nl) (local.get $low)))
            ;; Delimiters before the first and before the second newline (all of them when absent).
            (local.set $before0 (i32.wrap_i64 (i64.popcnt (i64.and (local.get $dm) (i64.sub (local.get $low) (i64.const 1))))))
            (local.set $before1 (i32.wrap_i64 (i64.popcnt (i64.and (local.get $dm) (i64.sub (local.get $high) (i64.const 1))))))
            (br_if $exact
              (i32.or
                (i32.or
                  (i32.and (i32.ne (local.get $n) (i32.const 0))
                    (i32.ne (i32.add (local.get $carried) (local.get $before0)) (local.get $expected)))
                  (i32.and (i32.eq (local.get $n) (i32.const 2))
                    (i32.ne (i32.sub (local.get $before1) (local.get $before0)) (local.get $expected))))
                (i32.gt_u (local.get $n) (local.get $until))))
            (local.set $lines (i32.add (local.get $lines) (local.get $n)))
            (local.set $until (i32.sub (local.get $until) (local.get $n)))
            (local.set $last (select (local.get $high) (local.get $low) (i32.eq (local.get $n) (i32.const 2))))
            (local.set $lineStart
              (select
                (local.get $lineStart)
                (i32.add (i32.add (local.get $pos) (i32.const 1)) (i32.wrap_i64 (i64.ctz (local.get $last))))
                (i32.eqz (local.get $n))))
            (local.set $carried
              (select
                (i32.add (local.get $carried) (local.get $total))
                (i32.sub (local.get $total) (select (local.get $before1) (local.get $before0) (i32.eq (local.get $n) (i32.const 2))))
                (i32.eqz (local.get $n))))
            (br $next))
          ;; One newline at a time, judging each line exactly.
          (block $noMoreNewlines
            (loop $newlines
              (br_if $noMoreNewlines (i64.eqz (local.get $nl)))
              (local.set $bit (i64.ctz (local.get $nl)))
              (local.set $newline (i32.add (local.get $pos) (i32.wrap_i64 (local.get $bit))))
              (local.set $count
                (i32.add (local.get $carried)
                  (i32.wrap_i64 (i64.popcnt (i64.and (local.get $dm) (i64.sub (i64.shl (i64.const 1) (local.get $bit)) (i64.const 1)))))))
              (local.set $length (i32.sub (local.get $newline) (local.get $lineStart)))
              (if
                (i32.or
                  (i32.or
                    (i32.ne (local.get $count) (local.get $expected))
                    (i32.eqz (local.get $until)))
                  (i32.or
                    ;; a comment line
                    (i32.and (local.get $comments) (i32.eq (i32.load8_u (local.get $lineStart)) (i32.const 35)))
                    ;; a blank line: nothing, or a lone CR
                    (i32.or
                      (i32.eqz (local.get $length))
                      (i32.and (i32.eq (local.get $length) (i32.const 1)) (i32.eq (i32.load8_u (local.get $lineStart)) (i32.const 13))))))
                (then
                  (global.set $lines (local.get $lines))
                  (global.set $lineStart (local.get $lineStart))
                  (global.set $delimiters (local.get $count))
                  (return (local.get $newline))))
              (local.set $lines (i32.add (local.get $lines) (i32.const 1)))
              (local.set $until (i32.sub (local.get $until) (i32.const 1)))
              (local.set $lineStart (i32.add (local.get $newline) (i32.const 1)))
              (local.set $carried (i32.const 0))
              ;; Delimiters at or before this newline are counted; keep the ones after it.
              (local.set $dm (i64.and (local.get $dm) (i64.shl (i64.const -2) (local.get $bit))))
              (local.set $nl (i64.and (local.get $nl) (i64.sub (local.get $nl) (i64.const 1))))
              (br $newlines)))
          (local.set $carried (i32.add (local.get $carried) (i32.wrap_i64 (i64.popcnt (local.get $dm))))))
        (local.set $pos (i32.add (local.get $pos) (i32.const 64)))
        (br $blocks)))
    (global.set $lines (local.get $lines))
    (global.set $lineStart (local.get $lineStart))
    (global.set $delimiters (local.get $carried))
    (i32.const -1))
)
