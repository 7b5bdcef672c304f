import type { Database } from 'better-sqlite3';
export declare function slugOf(week: number): string;
export declare function fillYearStore(db: Database, size: { members: number; sends: number }): string[];
