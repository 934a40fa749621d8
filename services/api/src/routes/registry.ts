import type { PzApp } from '../http/app-types';

// Placeholder: filled in by its own task before this work is submitted.
export async function registryRoutes(_app: PzApp): Promise<void> {}
