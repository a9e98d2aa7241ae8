/** The page for a hash that matches no route. */
import { html, render } from "../lib.js";

/** @param {HTMLElement} root @param {Record<string, string>} params */
export function mount(root, params) {
  render(
    root,
    html`<section class="not-found">
      <h1>No page “${params.path}”</h1>
      <p><a href="#/runs">← all runs</a></p>
    </section>`,
  );
  return undefined;
}
