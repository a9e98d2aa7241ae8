/**
 * The Fleet page's 3D station viewer (one of pages/fleet.js's VIEWERS): for a station whose fleet publishes a live
 * 3D view (`station.view`: the poses file and the geometry file, see src/rollout/live-views.ts), a WebGL canvas with
 * the scene (three-view.js), its meshes moved in place on each refetch, and a toggle between it and the camera frame.
 * three.js is loaded only when a station has a view. Without WebGL the card says so instead.
 */
import { getJson } from "./lib.js";

/** The canvas's size (px), as the camera frame's. */
const VIEW_PX = 256;

/** @type {Promise<typeof import("./three-view.js")> | null} three-view.js, loaded on first need */
let threeView = null;
const loadThreeView = () => {
  threeView ??= import("./three-view.js");
  return threeView;
};

/**
 * @typedef {{ url: string, geometryUrl: string, atMs: number }} ViewRef
 * @typedef {{ geometryId: string, geometry?: { geoms: any[] }, poses: number[], atMs: number, index: number, step: number }} ViewFile
 */

export const threeViewer = {
  name: "3d",
  /** @param {HTMLElement} el @param {import("./pages/fleet.js").Station & { view?: ViewRef | null }} station */
  mount(el, station) {
    const toggle = document.createElement("div");
    toggle.className = "fleet-3d-toggle";
    toggle.setAttribute("role", "group");
    toggle.setAttribute("aria-label", `what to show of ${station.id}`);
    const buttons = /** @type {const} */ (["3d", "camera"]).map((mode) => {
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.mode = mode;
      b.textContent = mode === "3d" ? "3D" : "camera";
      b.addEventListener("click", () => show(mode));
      return b;
    });
    toggle.append(...buttons);
    const figure = document.createElement("figure");
    figure.className = "fleet-3d";
    const stage = document.createElement("div");
    stage.className = "fleet-3d-stage";
    const caption = document.createElement("figcaption");
    figure.append(stage, caption); // both join the card only once the station has a view

    /** @type {"3d" | "camera"} */
    let mode = "3d";
    /** @type {import("./three-view.js").SceneView | null} */
    let scene = null;
    let geometryId = "";
    /** @type {ViewRef | null} */
    let wanted = null; // the latest view the page was told of
    let shownUrl = "";
    let loading = false;
    let closed = false;
    /** @type {ViewFile | null} */
    let shown = null;

    /** @param {"3d" | "camera"} m */
    function show(m) {
      mode = m;
      for (const b of buttons) b.setAttribute("aria-pressed", String(b.dataset.mode === m));
      sync();
    }

    function sync() {
      const has = wanted !== null;
      if (has && !figure.isConnected) {
        el.prepend(toggle);
        el.append(figure);
      }
      toggle.hidden = !has;
      figure.hidden = !has || mode !== "3d";
      el.classList.toggle("fleet-show-3d", has && mode === "3d"); // hides the camera frame (style.css)
    }

    /** @param {string} text */
    function say(text) {
      caption.textContent = text;
    }

    /** Fetches the latest view (and its geometry when it changed) and moves the scene; one fetch at a time. */
    async function refresh() {
      if (loading || closed || !wanted || wanted.url === shownUrl) return;
      loading = true;
      const ref = wanted;
      try {
        const mod = await loadThreeView();
        if (closed) return;
        if (!mod.webglAvailable()) {
          say("3D view unavailable: this browser has no WebGL");
          figure.classList.add("fleet-3d-unavailable");
          shownUrl = ref.url;
          return;
        }
        /** @type {ViewFile} */
        const view = await getJson(ref.url);
        if (closed) return;
        if (!scene || view.geometryId !== geometryId) {
          const geometry = view.geometry ?? (await getJson(ref.geometryUrl));
          if (closed) return;
          scene?.dispose();
          scene = new mod.SceneView(stage, geometry, VIEW_PX);
          geometryId = view.geometryId;
        }
        scene.setPoses(view.poses);
        shown = view;
        shownUrl = ref.url;
        viewer.tick(Date.now());
      } catch (err) {
        say(`3D view failed: ${err instanceof Error ? err.message : String(err)}`);
        shownUrl = ref.url; // not again until the view changes
      } finally {
        loading = false;
        if (!closed && wanted && wanted.url !== shownUrl) void refresh();
      }
    }

    const viewer = {
      /** @param {import("./pages/fleet.js").Station & { view?: ViewRef | null }} s */
      update(s) {
        wanted = s.view ?? null;
        sync();
        void refresh();
      },
      /** @param {number} nowMs */
      tick(nowMs) {
        if (!shown) return;
        const ago = Math.max(0, (nowMs - shown.atMs) / 1000);
        say(
          `3D: trial ${shown.index}, step ${shown.step}, ${ago < 10 ? ago.toFixed(1) : Math.round(ago)} s ago · drag to turn`,
        );
      },
      destroy() {
        closed = true;
        scene?.dispose();
        scene = null;
        toggle.remove();
        figure.remove();
        el.classList.remove("fleet-show-3d");
      },
    };
    show("3d");
    viewer.update(station);
    return viewer;
  },
};
