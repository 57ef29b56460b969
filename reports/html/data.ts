// Data the page's scripts read, embedded as JSON in a non-executed <script type="application/json">
// element: escaped by jsonForScript so no string in it can close the element.
import { escapeHtml, jsonForScript } from './escape.js';

/** `<script type="application/json" id=ID>` holding `value`; the scripts read it with JSON.parse(textContent). */
export function dataBlock(id: string, value: unknown): string {
  return `<script type="application/json" id="${escapeHtml(id)}">${jsonForScript(value)}</script>`;
}
