/** What `require('vscode')` returns under `useFakeVscode()`. */
import { fakeVscode } from './fakeVscode';

export = fakeVscode;
