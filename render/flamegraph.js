// SPDX-License-Identifier: Apache-2.0
"use strict";
// scorch flame graph viewer: hover details, click to zoom, regex search, URL state.
// Settings come from data-* attributes (numbers) and text nodes (labels); names are never evaluated.
var scorch = (function () {
	var svg, details, matched, searchBtn, icBtn, unzoomBtn;
	var frames = [];        // pre-order: {g, rect, text, title, name, samples, x, w, xs, ys, depth, end, parent}
	var cfg = {};
	var ignoreCase = false, term = null, zoomed = null;
	var searchColor = "rgb(230,0,230)";

	function textOf(id, d) { var e = document.getElementById(id); return e ? e.textContent : d; }
	function num(v, d) { var n = parseFloat(v); return isFinite(n) ? n : d; }
	function reEscape(s) { return s.replace(/[\\^$.*+?()[\]{}|\/-]/g, "\\$&"); }

	function parseFrames() {
		var group = document.getElementById("frames");
		if (!group) return;
		// title: NAME (N COUNTNAME, P%[; D%]) -- the count name comes from our own attribute
		var tail = new RegExp("^([\\s\\S]*) \\(([-+0-9,.eE]+|[a-z]+) " + reEscape(cfg.countname) +
			", [^()]*\\)$");
		var open = [];
		var kids = group.children;
		for (var i = 0; i < kids.length; i++) {
			var g = kids[i];
			var rect = g.querySelector("rect"), text = g.querySelector("text"), title = g.querySelector("title");
			if (!rect || !title) continue;
			var info = title.textContent, m = tail.exec(info);
			var f = {
				g: g, rect: rect, text: text, title: info,
				name: m ? m[1] : info,
				samples: m ? num(m[2].replace(/,/g, ""), 0) : 0,
				xs: rect.getAttribute("x"), ys: rect.getAttribute("y"),
				fill: rect.getAttribute("fill"), label: text ? text.textContent : "",
				txs: text ? text.getAttribute("x") : null
			};
			f.x = num(f.xs, 0);
			f.ws = rect.getAttribute("width");
			f.w = num(f.ws, 0);
			f.y = num(f.ys, 0);
			// pre-order: pop until the top of `open` is an ancestor (shallower) of f
			while (open.length) {
				var top = open[open.length - 1];
				if (cfg.inverted ? top.y < f.y : top.y > f.y) break;
				top.end = frames.length;
				open.pop();
			}
			f.parent = open.length ? open[open.length - 1] : null;
			f.depth = open.length;
			f.index = frames.length;
			g.setAttribute("data-i", String(f.index));
			frames.push(f);
			open.push(f);
		}
		while (open.length) open.pop().end = frames.length;
	}

	function frameOf(node) {
		while (node && node.parentNode) {
			if (node.parentNode.id === "frames") {
				var i = node.getAttribute("data-i");
				return i === null ? null : frames[+i];
			}
			node = node.parentNode;
		}
		return null;
	}

	function fitText(f, width) {
		if (!f.text) return;
		var chars = Math.floor(width / (cfg.fontsize * cfg.fontwidth));
		var cps = Array.from(f.depth === 0 ? "all" : f.name);
		var s = "";
		if (chars >= 3) s = chars < cps.length ? cps.slice(0, chars - 2).join("") + ".." : cps.join("");
		f.text.textContent = s;
	}

	function place(f, x, w) {
		f.rect.setAttribute("x", String(x));
		f.rect.setAttribute("width", String(w));
		if (f.text) f.text.setAttribute("x", String(x + 3));
		fitText(f, w);
	}

	function restore(f) {
		f.g.classList.remove("hide");
		f.g.classList.remove("parent");
		f.rect.setAttribute("x", f.xs);
		f.rect.setAttribute("width", f.ws);
		if (f.text) {
			f.text.setAttribute("x", f.txs);
			f.text.textContent = f.label;
		}
	}

	function zoom(f) {
		if (!f) return;
		if (f.depth === 0) { unzoom(); return; }
		var full = cfg.width - 2 * cfg.xpad, ratio = full / f.w, i;
		for (i = 0; i < frames.length; i++) {
			var e = frames[i];
			if (i >= f.index && i < f.end) {
				e.g.classList.remove("hide");
				e.g.classList.remove("parent");
				place(e, (e.x - f.x) * ratio + cfg.xpad, e.w * ratio);
			} else {
				e.g.classList.add("hide");
				e.g.classList.remove("parent");
			}
		}
		for (var a = f.parent; a; a = a.parent) {
			a.g.classList.remove("hide");
			a.g.classList.add("parent");
			place(a, cfg.xpad, full);
		}
		zoomed = f;
		unzoomBtn.classList.remove("hide");
		setParams({ x: f.xs, y: f.ys });
	}

	function unzoom() {
		for (var i = 0; i < frames.length; i++) restore(frames[i]);
		zoomed = null;
		unzoomBtn.classList.add("hide");
		setParams({ x: null, y: null });
	}

	function search(t) {
		clearHighlight();
		term = t;
		if (t === null || t === "") { term = null; showSearch(); setParams({ s: null }); return; }
		var re;
		try {
			re = new RegExp(t, ignoreCase ? "i" : "");
		} catch (err) {
			term = null;
			matched.textContent = "Invalid regex";
			matched.classList.remove("hide");
			return;
		}
		var count = 0, coverEnd = -1, any = false;
		for (var i = 0; i < frames.length; i++) {
			var f = frames[i];
			if (!re.test(f.name)) continue;
			any = true;
			f.rect.setAttribute("fill", searchColor);
			f.hit = true;
			// count the top-most match of each subtree only
			if (i >= coverEnd) {
				count += f.samples;
				coverEnd = f.end;
			}
		}
		var total = frames.length ? frames[0].samples : 0;
		var pct = total > 0 ? 100 * count / total : 0;
		matched.textContent = "Matched: " + (pct === 100 ? "100" : pct.toFixed(1)) + "%";
		matched.classList.remove("hide");
		searchBtn.classList.add("show");
		searchBtn.textContent = "Reset Search";
		if (!any) matched.textContent = "Matched: 0.0%";
		setParams({ s: t });
	}

	function clearHighlight() {
		for (var i = 0; i < frames.length; i++) {
			if (frames[i].hit) {
				frames[i].rect.setAttribute("fill", frames[i].fill);
				frames[i].hit = false;
			}
		}
	}

	function showSearch() {
		searchBtn.classList.remove("show");
		searchBtn.textContent = "Search";
		matched.classList.add("hide");
		matched.textContent = " ";
	}

	function resetSearch() {
		clearHighlight();
		term = null;
		showSearch();
		setParams({ s: null });
	}

	function searchPrompt() {
		if (term !== null) { resetSearch(); return; }
		var t = window.prompt("Enter a search term (regexp allowed, eg: ^ext4_)" +
			(ignoreCase ? ", ignoring case" : "") + "\nPress Ctrl-i to toggle case sensitivity", "");
		if (t !== null && t !== "") search(t);
	}

	function toggleCase() {
		ignoreCase = !ignoreCase;
		icBtn.classList.toggle("show", ignoreCase);
		setParams({ i: ignoreCase ? "1" : null });
		if (term !== null) search(term);
	}

	function getParams() {
		var out = {}, q = window.location.search.replace(/^\?/, "");
		if (!q) return out;
		q.split("&").forEach(function (kv) {
			var i = kv.indexOf("=");
			if (i <= 0) return;
			try { out[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1).replace(/\+/g, " ")); } catch (e) { }
		});
		return out;
	}

	function setParams(changes) {
		var p = getParams(), k, parts = [];
		for (k in changes) {
			if (changes[k] === null) delete p[k];
			else p[k] = changes[k];
		}
		for (k in p) parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(p[k]));
		var url = window.location.pathname + (parts.length ? "?" + parts.join("&") : "") + window.location.hash;
		try { history.replaceState(null, "", url); } catch (e) { }
	}

	function init() {
		svg = document.documentElement;
		details = document.getElementById("details");
		matched = document.getElementById("matched");
		searchBtn = document.getElementById("search");
		icBtn = document.getElementById("ignorecase");
		unzoomBtn = document.getElementById("unzoom");
		cfg.nametype = textOf("cfg-nametype", "Function:");
		cfg.countname = textOf("cfg-countname", "samples");
		cfg.fontsize = num(svg.getAttribute("data-fontsize"), 12);
		cfg.fontwidth = num(svg.getAttribute("data-fontwidth"), 0.59);
		cfg.xpad = num(svg.getAttribute("data-xpad"), 10);
		cfg.inverted = svg.getAttribute("data-inverted") === "1";
		cfg.width = num(svg.getAttribute("width"), 1200);
		parseFrames();

		svg.addEventListener("mouseover", function (e) {
			var f = frameOf(e.target);
			if (f) details.textContent = cfg.nametype + " " + f.title;
		});
		svg.addEventListener("mouseout", function (e) {
			if (frameOf(e.target)) details.textContent = " ";
		});
		svg.addEventListener("click", function (e) {
			var f = frameOf(e.target);
			if (f) {
				if (f.g.closest && f.g.closest("a") && !e.ctrlKey) return;
				e.preventDefault();
				zoom(f);
				return;
			}
			var id = e.target.id;
			if (id === "unzoom") unzoom();
			else if (id === "search") searchPrompt();
			else if (id === "ignorecase") toggleCase();
		});
		window.addEventListener("keydown", function (e) {
			if (e.keyCode === 114 || (e.ctrlKey && e.keyCode === 70)) { e.preventDefault(); searchPrompt(); }
			else if (e.ctrlKey && e.keyCode === 73) { e.preventDefault(); toggleCase(); }
			else if (e.keyCode === 27 && zoomed) unzoom();
		});

		var p = getParams();
		if (p.i === "1") { ignoreCase = true; icBtn.classList.add("show"); }
		if (p.x !== undefined && p.y !== undefined) {
			for (var i = 0; i < frames.length; i++)
				if (frames[i].xs === p.x && frames[i].ys === p.y) { zoom(frames[i]); break; }
		}
		if (p.s) search(p.s);
	}

	return { init: init, search: search, resetSearch: resetSearch, zoom: zoom, unzoom: unzoom,
		toggleCase: toggleCase, frames: function () { return frames; } };
})();
function init(evt) { scorch.init(); }
