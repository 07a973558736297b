// SPDX-License-Identifier: Apache-2.0
// Injected into a copy of a rendered SVG by render_browser.sh: drives the viewer like a user
// (clicks at frame coordinates, the Search button with a stubbed prompt, hover) and writes what
// it saw as JSON into a text element with id test-result, which chromium --dump-dom prints.
(function () {
	"use strict";
	function frames() { return Array.prototype.slice.call(document.querySelectorAll("#frames > g")); }
	function titleOf(g) { return g.querySelector("title").textContent; }
	function byName(name) {
		var all = frames();
		for (var i = 0; i < all.length; i++)
			if (titleOf(all[i]).indexOf(name + " (") === 0) return all[i];
		return null;
	}
	function state() {
		return frames().map(function (g) {
			var r = g.querySelector("rect");
			return [r.getAttribute("x"), r.getAttribute("width"), r.getAttribute("fill"), g.getAttribute("class") || ""];
		});
	}
	// a real hit test: scroll the element into view, find what is at its centre, click that
	function clickAt(el) {
		var b = el.getBoundingClientRect();
		window.scrollTo(0, Math.max(0, b.top + window.scrollY - 50));
		b = el.getBoundingClientRect();
		var x = b.left + Math.min(b.width / 2, 20), y = b.top + b.height / 2;
		var hit = document.elementFromPoint(x, y);
		if (!hit) return null;
		hit.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true, clientX: x, clientY: y, view: window }));
		return hit;
	}
	function text(id) { var e = document.getElementById(id); return e ? e.textContent : null; }
	function visible(id) { var e = document.getElementById(id); return !!e && !e.classList.contains("hide"); }
	function highlighted() {
		return frames().filter(function (g) { return g.querySelector("rect").getAttribute("fill") === "rgb(230,0,230)"; }).length;
	}
	function counts() {
		var c = { hide: 0, parent: 0, shown: 0 };
		frames().forEach(function (g) {
			if (g.classList.contains("hide")) c.hide++;
			else if (g.classList.contains("parent")) c.parent++;
			else c.shown++;
		});
		return c;
	}

	function run() {
		var P = JSON.parse(decodeURIComponent(window.location.hash.slice(1)));
		var res = { mode: P.mode, frames: frames().length, scripts: document.getElementsByTagName("script").length,
			pwned: typeof window.pwned !== "undefined", parsererror: document.getElementsByTagName("parsererror").length };
		try {
			if (P.mode === "url") {
				res.matched = text("matched");
				res.highlighted = highlighted();
				var zg = byName(P.zoom);
				res.zoomWidth = zg ? parseFloat(zg.querySelector("rect").getAttribute("width")) : null;
				res.counts = counts();
				res.unzoomVisible = visible("unzoom");
			} else if (P.mode === "hostile") {
				window.prompt = function () { return P.search; };
				clickAt(document.getElementById("search"));
				res.matched = text("matched");
				res.highlighted = highlighted();
			} else {
				var before = JSON.stringify(state());
				var hover = byName(P.hover);
				hover.querySelector("rect").dispatchEvent(new MouseEvent("mouseover", { bubbles: true, view: window }));
				res.details = text("details");
				res.hoverTitle = titleOf(hover);

				window.prompt = function () { return P.search; };
				clickAt(document.getElementById("search"));
				res.matched = text("matched");
				res.matchedVisible = visible("matched");
				res.highlighted = highlighted();
				res.searchLabel = text("search");
				res.urlSearch = window.location.search;
				clickAt(document.getElementById("search")); // "Reset Search"
				res.resetHighlighted = highlighted();
				res.resetMatchedVisible = visible("matched");

				clickAt(document.getElementById("ignorecase"));
				window.prompt = function () { return P.searchOtherCase; };
				clickAt(document.getElementById("search"));
				res.matchedIgnoreCase = text("matched");
				clickAt(document.getElementById("search"));
				clickAt(document.getElementById("ignorecase"));
				clickAt(document.getElementById("search"));
				res.matchedCaseSensitive = text("matched");
				clickAt(document.getElementById("search"));

				var z = byName(P.zoom);
				var hit = clickAt(z.querySelector("rect"));
				res.clickHitFrame = !!hit && z.contains(hit);
				var zr = z.querySelector("rect");
				res.zoomX = parseFloat(zr.getAttribute("x"));
				res.zoomWidth = parseFloat(zr.getAttribute("width"));
				res.zoomCounts = counts();
				res.unzoomVisible = visible("unzoom");
				res.urlZoom = window.location.search;

				clickAt(document.getElementById("unzoom"));
				res.restored = JSON.stringify(state()) === before;
				res.unzoomHiddenAfterReset = !visible("unzoom");
				res.urlAfterReset = window.location.search;
			}
		} catch (e) {
			res.error = String(e && e.stack || e);
		}
		var t = document.createElementNS("http://www.w3.org/2000/svg", "text");
		t.setAttribute("id", "test-result");
		t.textContent = JSON.stringify(res);
		document.documentElement.appendChild(t);
	}
	window.addEventListener("load", function () { setTimeout(run, 0); });
})();
