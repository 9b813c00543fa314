/**
 * Completion, hover, quick fixes and live problems in experiment files, as VS Code gets them from
 * the host for given YAML text and cursor positions.
 */
import './support/registerFakeVscode';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type * as vscode from 'vscode';
import { experimentCodeActionProvider } from '../../../src/extension/language/codeActionProvider';
import { experimentCompletionProvider } from '../../../src/extension/language/completionProvider';
import { isExperimentDocument } from '../../../src/extension/language/experimentFiles';
import { experimentHoverProvider } from '../../../src/extension/language/hoverProvider';
import { LiveDiagnostics } from '../../../src/extension/language/liveDiagnostics';
import { registerLanguageFeatures } from '../../../src/extension/language/registerLanguageFeatures';
import type { ExtensionServices } from '../../../src/extension/services';
import { FakeTextDocument } from './support/fakeTextDocument';
import {
  CodeActionKind,
  Diagnostic,
  FakeDiagnosticCollection,
  FakeLogChannel,
  fakeVscode,
  installedExtensions,
  languageProviders,
  Range,
  resetFakeVscode,
  until,
  workspaceEvents,
  workspaceFolder,
  type CodeAction,
  type CompletionItem,
  type Hover,
  type MarkdownString,
  type SnippetString,
} from './support/fakeVscode';
import { runRecord, tempDir, writeRun } from './support/runFixtures';

beforeEach(resetFakeVscode);

const token = {} as vscode.CancellationToken;
const context = (diagnostics: Diagnostic[] = []) => ({ diagnostics, only: undefined, triggerKind: 1 }) as unknown as vscode.CodeActionContext;
const at = (document: FakeTextDocument, marker: string, after = 0) => document.positionOf(marker, after) as unknown as vscode.Position;

async function complete(document: FakeTextDocument, marker: string, after: number): Promise<CompletionItem[]> {
  const items = await experimentCompletionProvider.provideCompletionItems(
    document.asVscode,
    at(document, marker, after),
    token,
    {} as vscode.CompletionContext,
  );
  return (items ?? []) as unknown as CompletionItem[];
}

const DATASET = `  - name: clean
    type: images
    path: data/clean
    image: { size: [8, 8], channels: 1 }
    stem: image
    head: digit
`;
const MODEL = `model:
  stems:
    image: { layers: [{ type: flatten }] }
  trunk: []
  heads:
    digit: { task: classification }
`;

describe('which files are experiments', () => {
  test('a *.jointrain.yaml file, or a YAML file whose modeline declares the jointrain schema', () => {
    assert.equal(isExperimentDocument(new FakeTextDocument('/ws/a.jointrain.yaml', '', 'plaintext').asVscode), true);
    assert.equal(
      isExperimentDocument(new FakeTextDocument('/ws/a.yaml', '# yaml-language-server: $schema=../jointrain.schema.json\nversion: 1\n').asVscode),
      true,
    );
    assert.equal(isExperimentDocument(new FakeTextDocument('/ws/a.yaml', 'version: 1\n').asVscode), false);
    assert.equal(isExperimentDocument(new FakeTextDocument('/ws/a.md', '# yaml-language-server: $schema=jointrain.schema.json\n', 'markdown').asVscode), false);
  });
});

describe('completion', () => {
  test('at a new top-level line: the fields not yet written, as snippets with their type and documentation', async () => {
    const document = new FakeTextDocument('/ws/a.jointrain.yaml', 'version: 1\nname: digits\n');
    const items = await complete(document, 'digits\n', 7);
    const labels = items.map((item) => item.label);
    assert.ok(labels.includes('datasets') && labels.includes('model') && labels.includes('training'), labels.join());
    assert.ok(!labels.includes('version') && !labels.includes('name'), 'fields already written are not offered');
    const datasets = items.find((item) => item.label === 'datasets');
    assert.equal(datasets?.kind, fakeVscode.CompletionItemKind.Property);
    assert.equal((datasets?.insertText as SnippetString).value, 'datasets:\n  - $1');
    assert.equal(datasets?.detail, 'list of map chosen by `type`');
    assert.ok((datasets?.documentation as MarkdownString).value.length > 0);
    assert.deepEqual(datasets?.range, new Range(2, 0, 2, 0));
    assert.equal(datasets?.command, undefined);
  });

  test('at a value with a fixed set of choices: each choice, inserted as plain text', async () => {
    const document = new FakeTextDocument('/ws/a.jointrain.yaml', 'version: 1\nname: d\ndatasets:\n  - name: a\n    type: \n');
    const items = await complete(document, 'type: ', 6);
    assert.deepEqual(
      items.map((item) => [item.label, item.kind, item.insertText]),
      [
        ['images', fakeVscode.CompletionItemKind.EnumMember, 'images'],
        ['csv', fakeVscode.CompletionItemKind.EnumMember, 'csv'],
      ],
    );
    assert.deepEqual(items[0]?.range, new Range(4, 10, 4, 10));
  });

  test('at a data path: the folders and files beside the experiment; a folder asks for more suggestions', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'data', 'clean'), { recursive: true });
    writeFileSync(join(dir, 'data', 'table.csv'), 'x,y,kind\n1,2,walk\n');
    const document = new FakeTextDocument(join(dir, 'a.jointrain.yaml'), 'version: 1\nname: d\ndatasets:\n  - name: a\n    path: data/\n');
    const items = await complete(document, 'data/', 5);
    assert.deepEqual(
      items.map((item) => [item.label, item.kind, item.command?.command]),
      [
        ['clean/', fakeVscode.CompletionItemKind.Folder, 'editor.action.triggerSuggest'],
        ['table.csv', fakeVscode.CompletionItemKind.File, undefined],
      ],
    );
    assert.deepEqual(items[0]?.range, new Range(4, 15, 4, 15), 'what follows the last slash is replaced');
    const missing = new FakeTextDocument(join(dir, 'a.jointrain.yaml'), 'version: 1\nname: d\ndatasets:\n  - name: a\n    path: nowhere/\n');
    assert.deepEqual(await complete(missing, 'nowhere/', 8), [], 'a folder that is not there lists nothing');
  });

  test('at a CSV label: the columns of the file’s header, read from disk or through the workspace file system', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'table.csv'), 'x,y,kind\n1,2,walk\n');
    const text = 'version: 1\nname: d\ndatasets:\n  - name: t\n    type: csv\n    path: table.csv\n    csv: { label: k, features: [x] }\n';
    for (const scheme of ['file', 'vscode-remote']) {
      const document = new FakeTextDocument(join(dir, 'a.jointrain.yaml'), text, 'yaml', scheme);
      const items = await complete(document, 'label: ', 8);
      assert.deepEqual(
        items.map((item) => [item.label, item.detail]),
        [
          ['y', 'label column'],
          ['kind', 'label column'],
        ],
        scheme,
      );
    }
    const unreadable = new FakeTextDocument(join(dir, 'a.jointrain.yaml'), text.replace('table.csv', 'gone.csv'));
    assert.deepEqual(await complete(unreadable, 'label: ', 8), []);
  });

  test('other YAML files get nothing', async () => {
    const document = new FakeTextDocument('/ws/compose.yaml', 'services:\n  ');
    assert.equal(
      await experimentCompletionProvider.provideCompletionItems(document.asVscode, at(document, '  ', 2), token, {} as vscode.CompletionContext),
      undefined,
    );
  });
});

describe('hover', () => {
  test('a field’s key shows its type, default, description and example over the key’s range', () => {
    const document = new FakeTextDocument('/ws/a.jointrain.yaml', 'version: 1\ntraining:\n  epochs: 3\n');
    const hover = experimentHoverProvider.provideHover(document.asVscode, at(document, 'epochs', 2), token) as unknown as Hover;
    assert.match(hover.contents[0]?.value ?? '', /^\*\*epochs\*\*: `number` · default `10`\n\nNumber of epochs\./);
    assert.deepEqual(hover.range, new Range(2, 2, 2, 8));
  });

  test('nothing over what is not a field, nor in other YAML files', () => {
    const document = new FakeTextDocument('/ws/a.jointrain.yaml', 'version: 1\n\n\nunknown_thing: 3\n');
    assert.equal(experimentHoverProvider.provideHover(document.asVscode, at(document, '\n\n', 1), token), undefined);
    const other = new FakeTextDocument('/ws/compose.yaml', 'training:\n  epochs: 3\n');
    assert.equal(experimentHoverProvider.provideHover(other.asVscode, at(other, 'epochs', 2), token), undefined);
  });
});

describe('quick fixes', () => {
  test('a misspelt key offers the preferred fix it suggests, tied to its diagnostic', () => {
    const document = new FakeTextDocument('/ws/a.jointrain.yaml', 'version: 1\nname: d\ntrainig:\n  epochs: 3\n');
    const problem = new Diagnostic(new Range(2, 0, 2, 7), 'trainig: unknown key `trainig` — did you mean `training`?');
    const unrelated = new Diagnostic(new Range(0, 0, 0, 1), 'missing required key `datasets`');
    const range = new Range(2, 1, 2, 1) as unknown as vscode.Range;
    const actions = experimentCodeActionProvider.provideCodeActions(document.asVscode, range, context([problem, unrelated]), token) as unknown as CodeAction[];
    assert.deepEqual(
      actions.map((action) => [action.title, action.kind, action.isPreferred]),
      [['Change to `training`', CodeActionKind.QuickFix, true]],
    );
    assert.deepEqual(actions[0]?.diagnostics, [problem]);
    assert.deepEqual(actions[0]?.edit?.edits, [{ uri: document.uri, range: new Range(2, 0, 2, 7), newText: 'training' }]);
  });

  test('inside a dataset without validation: the offer to add a split, as a rewrite', () => {
    const text = `version: 1\nname: d\ndatasets:\n${DATASET}${MODEL}`;
    const document = new FakeTextDocument('/ws/a.jointrain.yaml', text);
    const position = at(document, 'type: images');
    const actions = experimentCodeActionProvider.provideCodeActions(
      document.asVscode,
      new Range(position, position) as unknown as vscode.Range,
      context(),
      token,
    ) as unknown as CodeAction[];
    assert.deepEqual(
      actions.map((action) => [action.title, action.kind, action.isPreferred, action.diagnostics]),
      [['Add `validation: { split: 0.2 }`', CodeActionKind.RefactorRewrite, false, undefined]],
    );
    const edit = actions[0]?.edit?.edits[0];
    assert.match(edit?.newText ?? '', /validation: \{ split: 0\.2 \}/);
    assert.deepEqual(
      experimentCodeActionProvider.provideCodeActions(
        new FakeTextDocument('/ws/x.yaml', text).asVscode,
        new Range(position, position) as unknown as vscode.Range,
        context(),
        token,
      ),
      [],
      'not in other YAML files',
    );
  });
});

describe('registering the language features', () => {
  test('completion (on : and /), hover and quick fixes for YAML, and live problems; all go when disposed', () => {
    const diagnostics = new FakeDiagnosticCollection('jointrain');
    const disposables = registerLanguageFeatures({ diagnostics, log: new FakeLogChannel('jointrain', true) } as unknown as ExtensionServices);
    assert.deepEqual(
      languageProviders.map((entry) => [entry.kind, entry.selector, entry.triggerCharacters ?? entry.metadata ?? null]),
      [
        ['completion', { language: 'yaml' }, [':', '/']],
        ['hover', { language: 'yaml' }, null],
        ['codeActions', { language: 'yaml' }, { providedCodeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.RefactorRewrite] }],
      ],
    );
    assert.equal(disposables.length, 4);
    assert.ok(disposables[3] instanceof LiveDiagnostics);
    for (const disposable of disposables) disposable.dispose();
    assert.deepEqual(languageProviders, []);
  });
});

describe('live problems', () => {
  let live: LiveDiagnostics | undefined;
  afterEach(() => live?.dispose());

  function start(): { diagnostics: FakeDiagnosticCollection; log: FakeLogChannel } {
    const diagnostics = new FakeDiagnosticCollection('jointrain');
    const log = new FakeLogChannel('jointrain', true);
    live = new LiveDiagnostics({ diagnostics, log } as unknown as ExtensionServices);
    return { diagnostics, log };
  }
  const messages = (diagnostics: FakeDiagnosticCollection, document: FakeTextDocument) => (diagnostics.get(document.uri) ?? []).map((d) => d.message);
  const problemWith = (diagnostics: FakeDiagnosticCollection, document: FakeTextDocument, text: string) =>
    until(() => diagnostics.get(document.uri)?.find((d) => d.message.includes(text)), `a problem with "${text}"`);

  test('an opened experiment gets the problems of its text and of the data it names, at their fields', async () => {
    const dir = tempDir();
    const { diagnostics } = start();
    const document = new FakeTextDocument(join(dir, 'a.jointrain.yaml'), `version: 1\nname: d\ndatasets:\n${DATASET}${MODEL}`);
    workspaceEvents.openDocument.fire(document);
    const missing = await problemWith(diagnostics, document, 'folder not found');
    assert.equal(missing.message, `datasets[0].path: folder not found: ${join(dir, 'data', 'clean')} (paths are relative to the experiment file)`);
    assert.deepEqual([missing.range, missing.severity, missing.source], [new Range(5, 10, 5, 20), 0, 'jointrain']);
  });

  test('an edit is checked after a pause; a data problem found earlier stays until the data is read again', async () => {
    const dir = tempDir();
    const { diagnostics } = start();
    const document = new FakeTextDocument(join(dir, 'a.jointrain.yaml'), `version: 1\nname: d\ndatasets:\n${DATASET}${MODEL}`);
    workspaceEvents.openDocument.fire(document);
    await problemWith(diagnostics, document, 'folder not found');
    document.setText(`version: 1\nname: d\ndatasets:\n${DATASET}${MODEL}trainig: {}\n`);
    workspaceEvents.changeDocument.fire({ document });
    const typo = await problemWith(diagnostics, document, 'did you mean');
    assert.equal(typo.message, 'trainig: unknown key `trainig` — did you mean `training`?');
    assert.deepEqual(typo.range, new Range(15, 0, 15, 7));
    assert.ok(
      messages(diagnostics, document).some((message) => message.includes('folder not found')),
      'published with the typo, before the data is read again',
    );
    mkdirSync(join(dir, 'data', 'clean', 'a'), { recursive: true });
    writeFileSync(join(dir, 'data', 'clean', 'a', 'x.png'), '');
    workspaceEvents.saveDocument.fire(document);
    await until(() => !messages(diagnostics, document).some((message) => message.includes('folder not found')), 'the data problem to go');
    assert.ok(messages(diagnostics, document).some((message) => message.includes('did you mean')));
  });

  test('data outside the workspace is a note, and a warning where the workspace is untrusted or remote', async () => {
    const [workspace, elsewhere] = [tempDir(), tempDir()];
    writeFileSync(join(elsewhere, 'table.csv'), 'x,y,kind\n1,2,walk\n3,4,run\n5,6,walk\n7,8,run\n');
    fakeVscode.workspace.workspaceFolders = [workspaceFolder(workspace)];
    const text = `version: 1\nname: d\ndatasets:\n  - name: t\n    type: csv\n    path: ${join(elsewhere, 'table.csv')}\n    csv: { label: kind }\n    stem: row\n    head: h\nmodel:\n  stems:\n    row: { layers: [{ type: dense, units: 4 }] }\n  trunk: []\n  heads:\n    h: { task: classification }\n`;
    const { diagnostics } = start();
    const local = new FakeTextDocument(join(workspace, 'a.jointrain.yaml'), text);
    workspaceEvents.openDocument.fire(local);
    const note = await problemWith(diagnostics, local, 'outside the workspace');
    assert.equal(note.severity, fakeVscode.DiagnosticSeverity.Information);
    assert.equal(note.message, `datasets[0].path: reads ${join(elsewhere, 'table.csv')}, outside the workspace (${workspace})`);

    fakeVscode.workspace.isTrusted = false;
    const untrusted = new FakeTextDocument(join(workspace, 'b.jointrain.yaml'), text);
    workspaceEvents.openDocument.fire(untrusted);
    const warning = await problemWith(diagnostics, untrusted, 'outside the workspace');
    assert.equal(warning.severity, fakeVscode.DiagnosticSeverity.Warning);
    assert.match(warning.message, /: this workspace is not trusted, so check that you mean the trainer to read it$/);

    fakeVscode.workspace.isTrusted = true;
    fakeVscode.env.remoteName = 'ssh-remote';
    const remote = new FakeTextDocument(join(workspace, 'c.jointrain.yaml'), text);
    workspaceEvents.openDocument.fire(remote);
    assert.match((await problemWith(diagnostics, remote, 'outside the workspace')).message, /the trainer reads it on the remote machine \(ssh-remote\)$/);
  });

  test('with Red Hat YAML active, schema problems are left to it; documents open at start are checked too', async () => {
    const open = new FakeTextDocument('/ws/a.jointrain.yaml', 'version: 1\nname: d\n');
    fakeVscode.workspace.textDocuments = [open];
    const { diagnostics } = start();
    await problemWith(diagnostics, open, 'missing required key `datasets`');
    installedExtensions.set('redhat.vscode-yaml', { isActive: true });
    workspaceEvents.saveDocument.fire(open);
    await until(() => messages(diagnostics, open).length === 0, 'the schema problems to go');
  });

  test('an unsaved experiment gets the problems of its text only: it has no folder to read data from', async () => {
    const { diagnostics } = start();
    const text = `# yaml-language-server: $schema=jointrain.schema.json\nversion: 1\nname: d\ndatasets:\n${DATASET}${MODEL}trainig: {}\n`;
    const document = new FakeTextDocument('/Untitled-1', text, 'yaml', 'untitled');
    workspaceEvents.openDocument.fire(document);
    await until(() => diagnostics.history.filter((entry) => entry.uri === document.uri.toString()).length === 2, 'the text and the data checks');
    assert.deepEqual(messages(diagnostics, document), ['trainig: unknown key `trainig` — did you mean `training`?']);
  });

  test('a file that stops being an experiment loses its problems; closing keeps an experiment’s, but not a run snapshot’s', async () => {
    const { diagnostics } = start();
    const modeline = '# yaml-language-server: $schema=https://example.com/jointrain.schema.json\n';
    const document = new FakeTextDocument('/ws/plain.yaml', `${modeline}version: 1\n`);
    workspaceEvents.openDocument.fire(document);
    await problemWith(diagnostics, document, 'missing required key');
    document.setText('version: 1\n');
    workspaceEvents.changeDocument.fire({ document });
    assert.equal(diagnostics.has(document.uri), false);

    const experiment = new FakeTextDocument('/ws/a.jointrain.yaml', 'version: 1\n');
    workspaceEvents.openDocument.fire(experiment);
    await problemWith(diagnostics, experiment, 'missing required key');
    workspaceEvents.closeDocument.fire(experiment);
    assert.equal(diagnostics.has(experiment.uri), true, 'as the CLI would, the problems stay in the Problems panel');

    const runs = join(tempDir(), '.jointrain', 'runs');
    const snapshot = new FakeTextDocument(join(runs, 'r1', 'experiment.jointrain.yaml'), 'version: 1\n');
    workspaceEvents.openDocument.fire(snapshot);
    await problemWith(diagnostics, snapshot, 'missing required key');
    workspaceEvents.closeDocument.fire(snapshot);
    assert.equal(diagnostics.has(snapshot.uri), false);
  });

  test('a run’s experiment snapshot reads its data beside the experiment the run was started from', async () => {
    const workspace = tempDir();
    mkdirSync(join(workspace, 'data'));
    writeFileSync(join(workspace, 'data', 'table.csv'), 'x,y,kind\n1,2,walk\n3,4,run\n5,6,walk\n7,8,run\n');
    const runsDir = join(workspace, '.jointrain', 'runs');
    const runDir = writeRun(runsDir, runRecord('r1', { experimentPath: join(workspace, 'digits.jointrain.yaml') }));
    const text = `version: 1\nname: d\ndatasets:\n  - name: t\n    type: csv\n    path: data/table.csv\n    csv: { label: kind }\n    stem: row\n    head: h\n  - name: u\n    type: csv\n    path: data/other.csv\n    csv: { label: kind }\n    stem: row\n    head: h\nmodel:\n  stems:\n    row: { layers: [{ type: dense, units: 4 }] }\n  trunk: []\n  heads:\n    h: { task: classification }\n`;
    const { diagnostics } = start();
    const snapshot = new FakeTextDocument(join(runDir, 'experiment.jointrain.yaml'), text);
    workspaceEvents.openDocument.fire(snapshot);
    const missing = await problemWith(diagnostics, snapshot, 'not found');
    assert.match(missing.message, new RegExp(`^datasets\\[1\\]\\.path: .*${join(workspace, 'data', 'other.csv').replace(/[.]/g, '\\.')}`));
    assert.equal(messages(diagnostics, snapshot).filter((message) => message.includes('not found')).length, 1, 'data/table.csv is found beside the experiment');
  });

  test('once disposed, opened documents are not checked', async () => {
    const { diagnostics } = start();
    live?.dispose();
    const checking = start();
    const document = new FakeTextDocument('/ws/a.jointrain.yaml', 'version: 1\n');
    workspaceEvents.openDocument.fire(document);
    await problemWith(checking.diagnostics, document, 'missing required key');
    assert.deepEqual(diagnostics.uris(), [], 'the disposed one, listening first, would have been first to check');
  });
});
