import type { Result } from '@pz/contracts';
import { readQpEnsemble } from '../qp/qp-ensemble';
import type { Group } from 'h5wasm';
import type { TableError } from '../errors';
import type { RowWindow, TableSlice } from '../types';
import type { H5wasm } from './h5wasm-module';
import type { Hdf5Limits } from './hdf5-guards';

/**
 * A reader for an HDF5 layout with a meaning of its own (qp ensembles of photo-z PDFs...), tried
 * before the generic table finder on the file already opened inside the HDF5 worker. It answers
 * null when the file is not its layout. It never opens a path: the file it gets is the blob,
 * mounted where libhdf5 can see nothing else, and it runs under the worker's limits.
 */
export type Hdf5LayoutReader = (h5: H5wasm, file: Group, window: RowWindow, limits: Hdf5Limits) => Result<TableSlice, TableError> | null;

/**
 * Layout readers, in the order tried, all before the generic table layouts (a qp ensemble's
 * `data` group would otherwise pass for a group of column datasets); a new layout adds itself
 * here (imported by the worker only).
 */
export const HDF5_LAYOUT_READERS: readonly Hdf5LayoutReader[] = [readQpEnsemble];
