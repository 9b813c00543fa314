/** Imported first by a test of host code: `require('vscode')` gives the fake from then on. */
import { useFakeVscode } from './fakeVscode';

useFakeVscode();
