// The record of every change another writer made to a route table through the emulator (an `externalWrite`
// fault that fired, or the admin `externalWrite`): what was actually added, removed and tagged. A fault rule
// counts as applied even when a `drop` rule swallowed the same request first; this record holds only the
// writes that happened, so tests can check "foreign routes and tags survive" against it.
import type { Json } from './world.js';

export interface ExternalWriteRecord {
  /** Sequence number, from 1 (reset clears the record). */
  seq: number;
  tableId: string;
  /** The fault rule that made it, or 'admin'. */
  source: string;
  /** Routes put in place, as the writer sent them (name and properties). */
  added: Json[];
  /** Names of routes that were there and were removed. */
  removed: string[];
  /** Tags merged into the table. */
  tags: Record<string, string>;
}

export class ExternalWriteLog {
  private records: ExternalWriteRecord[] = [];

  add(record: Omit<ExternalWriteRecord, 'seq'>): void {
    this.records.push({ ...structuredClone(record), seq: this.records.length + 1 });
  }

  list(): ExternalWriteRecord[] {
    return structuredClone(this.records);
  }

  clear(): void {
    this.records = [];
  }
}
