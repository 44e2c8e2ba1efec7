// A small stand-in for Excel's custom-functions runtime (what Office.js provides on the shared
// runtime page): CustomFunctions.associate, CustomFunctions.Error and its codes, Office.onReady.
// Served in place of office.js by test/excel/browser.mjs. `__excel.call(id, ...args)` invokes a
// registered function as Excel does, driven by functions.json: scalars given to matrix parameters
// arrive as 1×1 ranges, omitted optional arguments arrive as null, async results are awaited,
// and a thrown or rejected CustomFunctions.Error comes back as { error: { code, message } }.
// It enforces Microsoft's rule (CustomFunctions.ErrorCode reference): only #VALUE! and #N/A carry
// a custom message ("a custom error message can't be used" with #NUM!, #DIV/0!, #NULL! …, and
// #NAME?/#REF! are not output errors at all); a CustomFunctions.Error that breaks it throws a
// TypeError, so the call fails as a non-CustomFunctions error and the violation is recorded in
// __excel.violations. Also loadable in Node (vm) with a `window` object in the context.
(function () {
  var registry = {};
  var violations = [];
  var MESSAGE_CODES = ['#VALUE!', '#N/A'];
  var OUTPUT_CODES = ['#VALUE!', '#N/A', '#DIV/0!', '#NUM!', '#NULL!', '#BUSY!', '#CALC!', '#CONNECT!', '#FIELD!'];
  function CFError(code, message) {
    if (OUTPUT_CODES.indexOf(code) < 0 || (message !== undefined && message !== '' && MESSAGE_CODES.indexOf(code) < 0)) {
      var why = OUTPUT_CODES.indexOf(code) < 0 ? code + ' is not an error a custom function can return' : 'Excel drops a custom message with ' + code + ' (only #VALUE! and #N/A carry one)';
      violations.push({ code: code, message: message, why: why });
      throw new TypeError('CustomFunctions.Error: ' + why);
    }
    var e = new Error(message);
    Object.setPrototypeOf(e, CFError.prototype);
    e.code = code;
    e.message = message || '';
    return e;
  }
  CFError.prototype = Object.create(Error.prototype);
  CFError.prototype.constructor = CFError;
  CFError.prototype.name = 'CustomFunctions.Error';
  window.CustomFunctions = {
    associate: function (id, fn) {
      if (typeof id === 'object') { for (var k in id) registry[k.toUpperCase()] = id[k]; return; }
      registry[String(id).toUpperCase()] = fn;
    },
    Error: CFError,
    ErrorCode: { invalidValue: '#VALUE!', notAvailable: '#N/A', divisionByZero: '#DIV/0!', invalidNumber: '#NUM!', nullReference: '#NULL!', invalidName: '#NAME?', invalidReference: '#REF!' },
  };
  window.Office = {
    context: { host: 'Excel', requirements: { isSetSupported: function () { return true; } } },
    HostType: { Excel: 'Excel' },
    onReady: function (cb) { var info = { host: 'Excel', platform: 'OfficeOnline' }; if (cb) setTimeout(function () { cb(info); }, 0); return Promise.resolve(info); },
  };
  var metadata = null;
  window.__excel = {
    registered: function () { return Object.keys(registry).sort(); },
    violations: violations,
    metadata: function () {
      if (!metadata) metadata = fetch('functions.json').then(function (r) { return r.json(); });
      return metadata;
    },
    call: async function (id) {
      return window.__excel.callWith(id, Array.prototype.slice.call(arguments, 1), {});
    },
    // options.cancelAfterMs: Excel cancels the call after that many ms (invocation.onCanceled);
    // startedAt is performance.now() as the function was entered;
    // the result also reports timer ticks during the call and when a 10 ms timer fired (null: only after the end).
    callWith: async function (id, args, options) {
      var meta = (await window.__excel.metadata()).functions.find(function (f) { return f.id === id; });
      if (!meta) throw new Error('functions.json has no function ' + id);
      var fn = registry[id];
      if (!fn) throw new Error('no function registered for ' + id);
      if (args.length > meta.parameters.length) throw new Error(id + ' takes ' + meta.parameters.length + ' arguments');
      var given = meta.parameters.map(function (p, i) {
        var v = args[i];
        if (v === undefined) {
          if (!p.optional) throw new Error(id + ': argument ' + p.name + ' is required');
          return null;
        }
        if (p.dimensionality === 'matrix' && !Array.isArray(v)) return [[v]];
        return v;
      });
      var invocation = { onCanceled: null };
      if (meta.options && (meta.options.cancelable || meta.options.stream)) given.push(invocation);
      var ticks = 0;
      var ticker = setInterval(function () { ticks++; }, 5);
      // A 10 ms timer set as the call starts: when it fires tells whether the page stayed responsive.
      var timerFiredAfter = null;
      var finished = false;
      var t0 = performance.now();
      setTimeout(function () { if (!finished) timerFiredAfter = performance.now() - t0; }, 10);
      if (options.cancelAfterMs !== undefined) setTimeout(function () { if (invocation.onCanceled) invocation.onCanceled(); }, options.cancelAfterMs);
      var started = performance.now();
      try {
        var value = await fn.apply(null, given);
        finished = true;
        return { value: value, ms: performance.now() - started, startedAt: started, ticks: ticks, timerFiredAfter: timerFiredAfter };
      } catch (e) {
        if (e instanceof CFError) return { error: { code: e.code, message: e.message, isCustomFunctionsError: true }, ms: performance.now() - started, startedAt: started, ticks: ticks };
        return { error: { code: null, message: String(e && e.message), isCustomFunctionsError: false }, ms: performance.now() - started, ticks: ticks };
      } finally {
        clearInterval(ticker);
      }
    },
  };
})();
