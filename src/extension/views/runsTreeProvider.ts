/** Adapts the plain Runs tree to VS Code's TreeDataProvider. */
import * as vscode from 'vscode';
import type { RunStatus } from '../../shared/runs/format';
import { buildRunsTree, type RunsTreeNode } from './runsTree';
import type { RunStore } from '../runs/runStore';

const STATUS_ICONS: Record<RunStatus, [string, string | undefined]> = {
  running: ['sync~spin', 'charts.blue'],
  paused: ['debug-pause', 'charts.yellow'],
  completed: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  diverged: ['warning', 'list.warningForeground'],
  stopped: ['circle-slash', undefined],
};

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: RunsTreeNode[] = [];
  private readonly subscription: { dispose(): void };

  constructor(private readonly store: RunStore) {
    this.subscription = store.onDidChange(() => this.rebuild());
    this.rebuild();
  }

  getTreeItem(node: RunsTreeNode): vscode.TreeItem {
    const collapsed = node.kind === 'dataset' ? vscode.TreeItemCollapsibleState.None : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(node.label, node.kind === 'experiment' ? vscode.TreeItemCollapsibleState.Expanded : collapsed);
    item.id = node.id;
    item.description = node.description;
    // Screen readers (and the e2e tests) get the status too, not just the start time.
    item.accessibilityInformation = { label: node.description ? `${node.label}, ${node.description}` : node.label };
    if (node.kind === 'experiment') {
      item.iconPath = new vscode.ThemeIcon('beaker');
      item.contextValue = 'experiment';
    } else if (node.kind === 'run') {
      const [icon, color] = STATUS_ICONS[node.status];
      item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
      item.tooltip = node.tooltip;
      item.contextValue = node.contextValue;
      item.command = { command: 'jointrain.openRun', title: 'Open run', arguments: [node] };
    } else {
      item.iconPath = new vscode.ThemeIcon('database');
      item.contextValue = 'dataset';
    }
    return item;
  }

  getChildren(node?: RunsTreeNode): RunsTreeNode[] {
    if (node === undefined) return this.roots;
    return node.kind === 'dataset' ? [] : node.children;
  }

  private rebuild(): void {
    this.roots = buildRunsTree(this.store.all());
    this.changed.fire(undefined);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
