/** A text document as the language features read it: its text, offsets ↔ positions, its file name and language. */
import type * as vscode from 'vscode';
import { fakeUri, Position, type FakeUri, type Range } from './fakeVscode';

export class FakeTextDocument {
  readonly uri: FakeUri;
  isDirty = false;
  saved = 0;

  constructor(
    readonly fileName: string,
    private text: string,
    readonly languageId = 'yaml',
    scheme = 'file',
  ) {
    this.uri = fakeUri(fileName, scheme);
  }

  /** This document where the API wants a `vscode.TextDocument`. */
  get asVscode(): vscode.TextDocument {
    return this as unknown as vscode.TextDocument;
  }

  setText(text: string): void {
    this.text = text;
  }

  getText(range?: Range): string {
    if (range === undefined) return this.text;
    return this.text.slice(this.offsetAt(range.start), this.offsetAt(range.end));
  }

  offsetAt(position: Position): number {
    const starts = this.lineStarts();
    if (position.line >= starts.length) return this.text.length;
    const start = starts[position.line] ?? 0;
    const end = position.line + 1 < starts.length ? (starts[position.line + 1] ?? 0) - 1 : this.text.length;
    return Math.min(start + position.character, end);
  }

  positionAt(offset: number): Position {
    const starts = this.lineStarts();
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let line = 0;
    while (line + 1 < starts.length && (starts[line + 1] ?? 0) <= clamped) line++;
    return new Position(line, clamped - (starts[line] ?? 0));
  }

  /** The position of the first `marker` (plus `after` characters). */
  positionOf(marker: string, after = 0): Position {
    const index = this.text.indexOf(marker);
    if (index < 0) throw new Error(`${marker} is not in the document`);
    return this.positionAt(index + after);
  }

  async save(): Promise<boolean> {
    this.saved++;
    this.isDirty = false;
    return true;
  }

  private lineStarts(): number[] {
    const starts = [0];
    for (let i = 0; i < this.text.length; i++) if (this.text[i] === '\n') starts.push(i + 1);
    return starts;
  }
}
