/**
 * The sandbox's half of every call: a plain script run inside the isolate before the policy's bundle. It gives the
 * policy a `console` that keeps lines instead of printing them, finds the policy in the module's default export, and
 * calls it, catching what the policy throws so that a throw is told apart from the host's own failures (a timeout,
 * the memory limit, an answer that cannot be copied out).
 *
 * Each entry (init, act, episode, reset, settle) returns a small array that the host copies out:
 *   [0, value, logs]   done; value is the action (act), the policy's kind (init: "act", or "episode" for an episode
 *                      script, policy/authoring.ts ScriptInstance) or undefined
 *   [1, error, logs]   the policy threw; error is { name, message, stack }
 *   [2, reason, logs]  the policy answered with something unusable; reason says what, e.g. "the action[1] is a function"
 *   [3]                the policy returned a Promise; settle() gives its outcome once microtasks have run
 * logs is undefined when nothing was logged, so a quiet step copies out only the action.
 *
 * Host tools (../tools.ts): before this script runs, the host puts one synchronous ivm.Callback on the global object
 * under TOOL_CALL_GLOBAL. The script takes it and deletes the global, then builds `ctx.tools[namespace][name]` as
 * frozen wrappers around it, so nothing the policy's bundle does later can reach or replace the dispatcher. A wrapper
 * copies its arguments out, and either returns the host's answer or throws an Error
 * "tool <namespace>.<name> failed: <why>" that the policy may catch. Without tools, `ctx.tools` is an empty frozen
 * object.
 *
 * Written as ES5-style source in a string, not as a function we stringify: the TypeScript loaders rewrite functions
 * (tsx adds name helpers that do not exist in the isolate). Builtins are captured first, so a policy that replaces
 * them cannot change how its answers are checked.
 */

/** Which entries the runtime object has; the host takes a reference to each. */
export const RUNTIME_ENTRIES = ["init", "act", "episode", "reset", "settle"] as const;

export type RuntimeReply =
  | [tag: 0, value: unknown, logs?: string[]]
  | [tag: 1, error: ThrownByPolicy, logs?: string[]]
  | [tag: 2, reason: string, logs?: string[]]
  | [tag: 3];

export interface ThrownByPolicy {
  name: string;
  message: string;
  stack: string;
}

/** Where the host puts the tool dispatcher for the runtime to take; it is gone before the policy's bundle runs. */
export const TOOL_CALL_GLOBAL = "__enpireToolCall";

/** The script's file name in stack traces; frames naming it are the harness's, not the policy's. */
export const RUNTIME_NAME = "enpire-sandbox-runtime.js";

/**
 * The runtime script. Its completion value is the runtime object; `moduleGlobal` is where the bundle put the
 * policy module, `maxLogLines` caps the lines one call may log (more are counted, not kept), and `tools` names the
 * host functions per namespace (the dispatcher must be on TOOL_CALL_GLOBAL when there are any).
 */
export function runtimeSource(
  moduleGlobal: string,
  maxLogLines: number,
  tools: Readonly<Record<string, readonly string[]>> = {},
): string {
  return `(function () {
  "use strict";
  var MODULE_GLOBAL = ${JSON.stringify(moduleGlobal)};
  var TOOL_NAMES = ${JSON.stringify(tools)};
  var TOOL_CALL = ${JSON.stringify(TOOL_CALL_GLOBAL)};
  var MAX_LINES = ${Math.max(1, Math.floor(maxLogLines))};
  var MAX_CHARS = 2000;
  var Str = String;
  var isArray = Array.isArray;
  var isView = ArrayBuffer.isView;
  var getPrototypeOf = Object.getPrototypeOf;
  var objectProto = Object.prototype;
  var keys = Object.keys;
  var stringify = JSON.stringify;
  var apply = Reflect.apply;
  var slice = Array.prototype.slice;
  var fnToString = Function.prototype.toString;
  var ErrorClass = Error;
  var globalObject = globalThis;
  var freeze = Object.freeze;
  var defineProperty = Object.defineProperty;

  var logs = [];
  var dropped = 0;
  var policy = null;
  var kind = "act"; // "episode" when the policy is an episode script
  var pending = null;

  function show(v) {
    if (typeof v === "string") return v;
    if (typeof v === "function") return "[function " + (v.name || "anonymous") + "]";
    if (typeof v !== "object" || v === null) return Str(v);
    if (v instanceof ErrorClass) return Str(v.stack || v);
    if (isView(v)) {
      var n = v.length === undefined ? v.byteLength : v.length;
      var head = v.length === undefined ? "" : " [" + apply(slice, v, [0, 8]).join(", ") + (n > 8 ? ", ..." : "") + "]";
      return (v.constructor && v.constructor.name) + "(" + n + ")" + head;
    }
    try {
      var s = stringify(v, function (k, x) { return typeof x === "bigint" ? Str(x) + "n" : x; });
      return s === undefined ? Str(v) : s;
    } catch (e) {
      return "[object " + ((v.constructor && v.constructor.name) || "Object") + "]";
    }
  }

  function logger(prefix) {
    return function () {
      if (logs.length >= MAX_LINES) { dropped++; return; }
      var parts = [];
      for (var i = 0; i < arguments.length; i++) parts.push(show(arguments[i]));
      var line = prefix + parts.join(" ");
      logs.push(line.length > MAX_CHARS ? line.slice(0, MAX_CHARS) + "... (" + line.length + " chars)" : line);
    };
  }

  var toolCall = globalObject[TOOL_CALL];
  delete globalObject[TOOL_CALL];

  function makeTool(namespace, name) {
    var label = namespace + "." + name;
    return function () {
      var reply = toolCall(namespace, name, apply(slice, arguments, []));
      if (reply[0] === 1) return reply[1];
      throw new ErrorClass("tool " + label + " failed: " + reply[1]);
    };
  }

  var tools = {};
  var namespaces = keys(TOOL_NAMES);
  for (var n = 0; n < namespaces.length; n++) {
    var fns = {};
    var names = TOOL_NAMES[namespaces[n]];
    for (var f = 0; f < names.length; f++)
      defineProperty(fns, names[f], { value: makeTool(namespaces[n], names[f]), enumerable: true });
    defineProperty(tools, namespaces[n], { value: freeze(fns), enumerable: true });
  }
  freeze(tools);

  globalObject.console = {
    log: logger(""), info: logger(""), debug: logger("[debug] "), warn: logger("[warn] "), error: logger("[error] "),
  };

  function takeLogs() {
    if (logs.length === 0 && dropped === 0) return undefined;
    var out = logs;
    if (dropped > 0) out.push("[enpire] " + dropped + " more log lines dropped: over " + MAX_LINES + " in one call");
    logs = [];
    dropped = 0;
    return out;
  }

  function describeError(e) {
    if (e instanceof ErrorClass) return { name: Str(e.name), message: Str(e.message), stack: Str(e.stack || "") };
    return { name: "", message: "threw " + show(e) + ", which is not an Error", stack: "" };
  }

  function kindOf(v) {
    var c = v && v.constructor;
    return c && c.name ? "a " + c.name : "an object with a prototype";
  }

  /** Why v cannot leave the sandbox as plain data, or undefined when it can. */
  function unusable(v, where, depth) {
    var t = typeof v;
    if (t === "number" || t === "string" || t === "boolean" || t === "bigint" || v === null || v === undefined) return undefined;
    if (t === "function") return where + " is a function";
    if (t === "symbol") return where + " is a symbol";
    if (isView(v)) return undefined;
    if (depth >= 8) return where + " nests more than 8 levels deep";
    if (isArray(v)) {
      for (var i = 0; i < v.length; i++) {
        var r = unusable(v[i], where + "[" + i + "]", depth + 1);
        if (r) return r;
      }
      return undefined;
    }
    var proto = getPrototypeOf(v);
    if (proto !== objectProto && proto !== null) return where + " is " + kindOf(v) + ", not plain data";
    var ks = keys(v);
    for (var j = 0; j < ks.length; j++) {
      var r2 = unusable(v[ks[j]], where + "." + ks[j], depth + 1);
      if (r2) return r2;
    }
    return undefined;
  }

  function isThenable(v) {
    return v !== null && (typeof v === "object" || typeof v === "function") && typeof v.then === "function";
  }

  /** Hands a value to done(), or parks a Promise until settle() is called after the microtasks have run. */
  function finish(value, done, what) {
    if (!isThenable(value)) return done(value);
    var p = { settled: false, ok: false, value: undefined, done: done, what: what };
    pending = p;
    value.then(function (v) { p.settled = true; p.ok = true; p.value = v; },
               function (e) { p.settled = true; p.value = e; });
    return [3];
  }

  function actionDone(a) {
    var bad = unusable(a, "the action", 0);
    return bad ? [2, bad, takeLogs()] : [0, a, takeLogs()];
  }

  function voidDone() {
    return [0, undefined, takeLogs()];
  }

  function describeValue(v) {
    if (v === null) return "null";
    if (v === undefined) return "undefined";
    if (isArray(v)) return "an array";
    if (typeof v === "object") return "an object (keys: " + (keys(v).join(", ") || "none") + ")";
    return "a " + typeof v;
  }

  function adopt(said) {
    return function (p) {
      var acts = p !== null && typeof p === "object" && typeof p.act === "function";
      var script = p !== null && typeof p === "object" && typeof p.episode === "function";
      if (acts && script)
        return [2, said + " an object with both act(observation) and episode(observation): a policy has one", takeLogs()];
      if (acts || script) {
        if (p.reset !== undefined && typeof p.reset !== "function")
          return [2, said + " an object whose reset is a " + typeof p.reset + ", not a function", takeLogs()];
        policy = p;
        kind = script ? "episode" : "act";
        return [0, kind, takeLogs()];
      }
      return [2, said + " " + describeValue(p) + ", with no act(observation) or episode(observation) method", takeLogs()];
    };
  }

  function isClass(f) {
    try { return /^class[\\s{]/.test(apply(fnToString, f, [])); } catch (e) { return false; }
  }

  return {
    init: function (ctx) {
      try {
        ctx.tools = tools;
        var mod = globalObject[MODULE_GLOBAL];
        var exported = mod;
        if (mod !== null && typeof mod === "object") {
          if ("default" in mod) exported = mod["default"];
          else if (mod.__esModule) {
            var names = keys(mod);
            return [2, "the module has no default export" + (names.length ? " (it exports: " + names.join(", ") + ")" : ""), takeLogs()];
          }
        }
        if (exported === undefined) return [2, "the module exports nothing", takeLogs()];
        if (typeof exported === "function") {
          var made = isClass(exported) ? new exported(ctx) : exported(ctx);
          return finish(made, adopt("createPolicy(ctx) returned"), "createPolicy(ctx)");
        }
        return adopt("the default export is")(exported);
      } catch (e) {
        return [1, describeError(e), takeLogs()];
      }
    },
    act: function (observation) {
      try {
        return finish(policy.act(observation), actionDone, "act(observation)");
      } catch (e) {
        return [1, describeError(e), takeLogs()];
      }
    },
    episode: function (observation) {
      try {
        return finish(policy.episode(observation), voidDone, "episode(observation)");
      } catch (e) {
        return [1, describeError(e), takeLogs()];
      }
    },
    reset: function () {
      try {
        return finish(typeof policy.reset === "function" ? policy.reset() : undefined, voidDone, "reset()");
      } catch (e) {
        return [1, describeError(e), takeLogs()];
      }
    },
    settle: function () {
      var p = pending;
      pending = null;
      if (p === null) return [2, "nothing was pending", takeLogs()];
      if (!p.settled)
        return [2, p.what + " returned a Promise that had not settled by the end of the call; nothing in the sandbox " +
          "can be waited for (no timers, network or files), so return the value itself", takeLogs()];
      if (!p.ok) return [1, describeError(p.value), takeLogs()];
      try {
        return p.done(p.value);
      } catch (e) {
        return [1, describeError(e), takeLogs()];
      }
    },
  };
})()`;
}
