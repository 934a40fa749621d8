#!/usr/bin/env bash
# The docs/api.md walk-through as one script: every command a person types, in order.
# Needs: curl, node (to read ids out of JSON answers) and a running server at $PZ (default
# http://127.0.0.1:8000). Run from the repository root (it uploads ../shared/data files and
# services/tables fixtures). With $TOKEN unset it signs up $PZ_USER and gets a token first.
set -euo pipefail
PZ=${PZ:-http://127.0.0.1:8000}
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);const r=process.argv[1].split(".").reduce((o,k)=>o?.[k],v);if(r===undefined){console.error("missing "+process.argv[1]+" in "+s);process.exit(1)}console.log(r)})' "$1"; }

if [ -z "${TOKEN:-}" ]; then
  JAR=$(mktemp)
  USER_JSON="{\"username\": \"${PZ_USER:-me}\", \"password\": \"a long passphrase\"}"
  curl -sf -H 'Content-Type: application/json' -d "$USER_JSON" "$PZ/api/auth/register/" > /dev/null
  CSRF=$(curl -sf -c "$JAR" -H 'Content-Type: application/json' -d "$USER_JSON" "$PZ/api/auth/login/" | json csrf_token)
  TOKEN=$(curl -sf -b "$JAR" -X POST -H "X-CSRFToken: $CSRF" "$PZ/api/get_token/" | json token)
  rm -f "$JAR"
fi
AUTH="Authorization: Token $TOKEN"
curl -sf -H "$AUTH" "$PZ/api/" > /dev/null && echo "token ok"

# upload_product NAME TYPE FILE MIME: register, attach the main file, inspect it; prints the id
upload_product() {
  local id
  id=$(curl -sf -H "$AUTH" -H 'Content-Type: application/json' \
       -d "{\"display_name\": \"$1\", \"product_type\": \"$2\", \"description\": \"walk-through\"}" \
       "$PZ/api/products/" | json id)
  curl -sf -H "$AUTH" -F "product=$id" -F role=0 -F "type=$4" -F "file=@$3" "$PZ/api/product-files/" > /dev/null
  curl -sf -H "$AUTH" -X POST "$PZ/api/products/$id/registry/" > /dev/null
  echo "$id"
}

# map_column ID COLUMN ALIAS: associate one column of product ID with a role (RA, Dec, z, ...)
map_column() {
  local cid
  cid=$(curl -sf -H "$AUTH" "$PZ/api/product-contents/?product=$1&page_size=1000" |
        node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const c=JSON.parse(s).results.find(r=>r.column_name===process.argv[1]);if(!c)process.exit(1);console.log(c.id)})' "$2")
  curl -sf -H "$AUTH" -X PATCH -H 'Content-Type: application/json' -d "{\"alias\": \"$3\"}" "$PZ/api/product-contents/$cid/" > /dev/null
}

publish() { curl -sf -H "$AUTH" -X PATCH -H 'Content-Type: application/json' -d '{"status": 1}' "$PZ/api/products/$1/" | json status; }

CSV=$(upload_product "Walkthrough CSV" redshift_catalog ../shared/data/pzserver-tutorial/upload_example.csv text/csv)
map_column "$CSV" RA RA; map_column "$CSV" DEC Dec; map_column "$CSV" Z z
echo "csv product $CSV status $(publish "$CSV")"

PARQUET=$(upload_product "Walkthrough Parquet" redshift_catalog ../shared/data/redshift-catalogs/2dflens_final_release_random_sample.parquet application/vnd.apache.parquet)
map_column "$PARQUET" RA RA; map_column "$PARQUET" Dec Dec; map_column "$PARQUET" z z
echo "parquet product $PARQUET status $(publish "$PARQUET")"

FITS=$(upload_product "Walkthrough FITS" redshift_catalog services/tables/fixtures/bintable.fits application/fits)
map_column "$FITS" RA RA; map_column "$FITS" DEC Dec; map_column "$FITS" Z z
echo "fits product $FITS status $(publish "$FITS")"

HDF5=$(upload_product "Walkthrough HDF5" redshift_catalog services/tables/fixtures/compound.h5 application/x-hdf5)
map_column "$HDF5" ra RA; map_column "$HDF5" dec Dec; map_column "$HDF5" z z
echo "hdf5 product $HDF5 status $(publish "$HDF5")"

# find them again by filter and search
curl -sf -H "$AUTH" "$PZ/api/products/?product_type=redshift_catalog&search=Walkthrough&status=1" | json count

# preview the Parquet table: first 5 rows, columns and row count
curl -sf -H "$AUTH" "$PZ/api/products/$PARQUET/read_data/?page=1&page_size=5" | json count

# download the CSV product as one .zip through a short-lived signed link
URL=$(curl -sf -H "$AUTH" -X POST "$PZ/api/products/$CSV/download/prepare/" | json download_url)
curl -sf -o walkthrough.zip "$URL"
ls -l walkthrough.zip && rm walkthrough.zip
