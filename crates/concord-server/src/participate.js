// Concord: solves the proof-of-work challenge of a participation form in the browser and then
// submits the form (shared reference specs/proof-of-work.md §5.3). Without this script the
// form is sent without a solution and the server holds the submission for a moderator (§5.7).
// Served from /static/participate.js under the page's `script-src 'self'`; no inline code.
(function () {
  "use strict";

  var K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ]);
  var IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  var W = new Uint32Array(64);

  // One SHA-256 compression of the 64-byte block at `off` in `buf` into `st` (FIPS 180-4 §6.2.2).
  function compress(st, buf, off) {
    var i;
    for (i = 0; i < 16; i++) {
      var j = off + 4 * i;
      W[i] = (buf[j] << 24) | (buf[j + 1] << 16) | (buf[j + 2] << 8) | buf[j + 3];
    }
    for (i = 16; i < 64; i++) {
      var a = W[i - 15], b = W[i - 2];
      var s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      var s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
    }
    var h0 = st[0], h1 = st[1], h2 = st[2], h3 = st[3], h4 = st[4], h5 = st[5], h6 = st[6], h7 = st[7];
    for (i = 0; i < 64; i++) {
      var S1 = ((h4 >>> 6) | (h4 << 26)) ^ ((h4 >>> 11) | (h4 << 21)) ^ ((h4 >>> 25) | (h4 << 7));
      var ch = (h4 & h5) ^ (~h4 & h6);
      var t1 = (h7 + S1 + ch + K[i] + W[i]) | 0;
      var S0 = ((h0 >>> 2) | (h0 << 30)) ^ ((h0 >>> 13) | (h0 << 19)) ^ ((h0 >>> 22) | (h0 << 10));
      var maj = (h0 & h1) ^ (h0 & h2) ^ (h1 & h2);
      var t2 = (S0 + maj) | 0;
      h7 = h6; h6 = h5; h5 = h4; h4 = (h3 + t1) | 0;
      h3 = h2; h2 = h1; h1 = h0; h0 = (t1 + t2) | 0;
    }
    st[0] = (st[0] + h0) | 0; st[1] = (st[1] + h1) | 0; st[2] = (st[2] + h2) | 0; st[3] = (st[3] + h3) | 0;
    st[4] = (st[4] + h4) | 0; st[5] = (st[5] + h5) | 0; st[6] = (st[6] + h6) | 0; st[7] = (st[7] + h7) | 0;
  }

  // The message padded to whole blocks (length in bits, big-endian, at the end).
  function pad(bytes) {
    var n = Math.ceil((bytes.length + 9) / 64) * 64;
    var out = new Uint8Array(n);
    out.set(bytes);
    out[bytes.length] = 0x80;
    var bits = bytes.length * 8;
    out[n - 4] = (bits >>> 24) & 255; out[n - 3] = (bits >>> 16) & 255;
    out[n - 2] = (bits >>> 8) & 255; out[n - 1] = bits & 255;
    out[n - 5] = Math.floor(bits / 4294967296) & 255;
    return out;
  }

  function sha256(bytes) {
    var buf = pad(bytes), st = new Int32Array(IV);
    for (var off = 0; off < buf.length; off += 64) compress(st, buf, off);
    var out = new Uint8Array(32);
    for (var i = 0; i < 8; i++) {
      out[4 * i] = st[i] >>> 24; out[4 * i + 1] = (st[i] >>> 16) & 255;
      out[4 * i + 2] = (st[i] >>> 8) & 255; out[4 * i + 3] = st[i] & 255;
    }
    return out;
  }

  function utf8(s) { return new TextEncoder().encode(s); }

  function b64url(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function zeroBits(st) {
    var n = 0;
    for (var i = 0; i < 8; i++) {
      var c = Math.clz32(st[i]);
      n += c;
      if (c < 32) break;
    }
    return n;
  }

  // §5.3: find a u64 nonce with SHA-256("pow/v1\n" || challenge || payloadHash || nonce LE)
  // starting with `bits` zero bits. The message is 113 bytes, two blocks; the first block
  // never changes, so its state is computed once. Works in slices so the page stays responsive
  // and the progress text can change.
  function solve(challenge, payloadHash, progress, done) {
    var bits = challenge[17];
    var prefix = utf8("pow/v1\n");
    var msg = new Uint8Array(113);
    msg.set(prefix, 0); msg.set(challenge, 7); msg.set(payloadHash, 73);
    var buf = pad(msg);
    var mid = new Int32Array(IV);
    compress(mid, buf, 0);
    var st = new Int32Array(8);
    var lo = 0, hi = 0, tried = 0;
    function slice() {
      for (var k = 0; k < 20000; k++) {
        buf[105] = lo & 255; buf[106] = (lo >>> 8) & 255; buf[107] = (lo >>> 16) & 255; buf[108] = lo >>> 24;
        buf[109] = hi & 255; buf[110] = (hi >>> 8) & 255; buf[111] = (hi >>> 16) & 255; buf[112] = hi >>> 24;
        st.set(mid);
        compress(st, buf, 64);
        if (zeroBits(st) >= bits) {
          done(hi * 4294967296 + lo);
          return;
        }
        lo = (lo + 1) >>> 0;
        if (lo === 0) hi++;
      }
      tried += 20000;
      progress(tried, Math.pow(2, bits));
      setTimeout(slice, 0);
    }
    // Never start (or finish) inside the submit event: a form whose submit event is being
    // dispatched ignores requestSubmit(), which would drop a solution found in the first slice.
    setTimeout(slice, 0);
  }

  function payloadOf(form, submitter) {
    var conv = form.getAttribute("data-conversation");
    if (form.getAttribute("data-action") === "vote") {
      var tid = form.elements.namedItem("tid").value;
      return sha256(utf8("vote\n" + conv + "\n" + tid + "\n" + submitter.value));
    }
    // Form submission sends textarea line breaks as CRLF; hash what the server receives.
    var text = form.elements.namedItem("text").value.replace(/\r?\n/g, "\r\n");
    return sha256(utf8("statement\n" + conv + "\n" + text));
  }

  function attach(form) {
    var status = document.getElementById(form.getAttribute("data-status"));
    form.addEventListener("submit", function (ev) {
      if (form.getAttribute("data-solved") === "1") return;
      ev.preventDefault();
      if (form.getAttribute("data-busy") === "1") return;
      var submitter = ev.submitter || form.querySelector("button[type=submit]");
      form.setAttribute("data-busy", "1");
      var challenge = b64url(form.elements.namedItem("challenge").value.split(".")[0]);
      var started = Date.now();
      status.textContent = status.getAttribute("data-working");
      solve(challenge, payloadOf(form, submitter), function (tried, expected) {
        var pct = Math.min(99, Math.round((100 * tried) / expected));
        status.textContent = status.getAttribute("data-working") + " " + pct + "%";
      }, function (nonce) {
        form.elements.namedItem("nonce").value = String(nonce);
        form.elements.namedItem("solve_ms").value = String(Date.now() - started);
        status.textContent = status.getAttribute("data-done");
        form.setAttribute("data-solved", "1");
        form.requestSubmit(submitter);
      });
    });
  }

  var forms = document.querySelectorAll("form[data-pow]");
  for (var i = 0; i < forms.length; i++) attach(forms[i]);
  // Exposed for the browser test, which checks this solver against the Rust one.
  window.concordPow = { sha256: sha256, solve: solve };
})();
