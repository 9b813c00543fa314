/**
 * The only module that knows about `@vscode/webview-ui-toolkit` (no longer maintained): buttons
 * and checkboxes come from here, so replacing the toolkit touches this file alone.
 */
import { provideVSCodeDesignSystem, vsCodeButton, vsCodeCheckbox } from '@vscode/webview-ui-toolkit';

let registered = false;

function register(): void {
  if (registered) return;
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeCheckbox());
  registered = true;
}

export interface Button {
  element: HTMLElement;
  setDisabled(disabled: boolean): void;
}

export function createButton(label: string, onClick: () => void, appearance: 'primary' | 'secondary' = 'secondary'): Button {
  register();
  const element = document.createElement('vscode-button');
  element.setAttribute('appearance', appearance);
  element.textContent = label;
  element.addEventListener('click', () => {
    if (!element.hasAttribute('disabled')) onClick();
  });
  return { element, setDisabled: (disabled) => element.toggleAttribute('disabled', disabled) };
}

export function createCheckbox(label: string, checked: boolean, onChange: (checked: boolean) => void): HTMLElement {
  register();
  const element = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
  element.textContent = label;
  element.checked = checked;
  element.addEventListener('change', () => onChange(element.checked));
  return element;
}
