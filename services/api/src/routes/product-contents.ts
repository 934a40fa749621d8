import type { PzApp } from '../http/app-types';

// Placeholder: filled in by its own task before this work is submitted.
export async function productContentsRoutes(_app: PzApp): Promise<void> {}
