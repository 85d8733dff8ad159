/* PDQ, Meta's perceptual image hash (256 bits and a quality 0-100), as the ThreatExchange
   reference computes it: luminance, two passes of Jarosz box filters, 64x64 decimation,
   the 16x64 DCT, and a median threshold. The hex is the reference's format, so a hash made
   here can go to hash-sharing programmes as it is. Nothing leaves the page. */
(function () {
  "use strict";

  var MAX_SIDE = 512; // large photos are drawn smaller first, as the reference hasher does
  var f32 = Math.fround;

  var DCT = (function () {
    var matrix = new Float32Array(16 * 64);
    var scale = Math.sqrt(2 / 64);
    for (var i = 0; i < 16; i += 1) {
      for (var j = 0; j < 64; j += 1) {
        matrix[i * 64 + j] = scale * Math.cos((Math.PI / 2 / 64) * (i + 1) * (2 * j + 1));
      }
    }
    return matrix;
  })();

  function windowSize(oldSize, newSize) {
    return Math.floor((oldSize + 2 * newSize - 1) / (2 * newSize));
  }

  // One box filter along a vector of `length` values `stride` apart (the reference's box1D).
  function box1D(input, output, start, length, stride, fullWindow) {
    var half = Math.floor((fullWindow + 2) / 2);
    var phase1 = half - 1;
    var phase2 = fullWindow - half + 1;
    var phase3 = length - fullWindow;
    var phase4 = half - 1;
    var li = start, ri = start, oi = start, sum = 0, size = 0, k;
    for (k = 0; k < phase1; k += 1) { sum = f32(sum + input[ri]); size += 1; ri += stride; }
    for (k = 0; k < phase2; k += 1) {
      sum = f32(sum + input[ri]); size += 1; output[oi] = sum / size; ri += stride; oi += stride;
    }
    for (k = 0; k < phase3; k += 1) {
      sum = f32(f32(sum + input[ri]) - input[li]);
      output[oi] = sum / size; li += stride; ri += stride; oi += stride;
    }
    for (k = 0; k < phase4; k += 1) {
      sum = f32(sum - input[li]); size -= 1; output[oi] = sum / size; li += stride; oi += stride;
    }
  }

  function jarosz(buffer, temp, rows, cols) {
    var alongRows = windowSize(cols, 64);
    var alongCols = windowSize(rows, 64);
    for (var pass = 0; pass < 2; pass += 1) {
      for (var i = 0; i < rows; i += 1) { box1D(buffer, temp, i * cols, cols, 1, alongRows); }
      for (var j = 0; j < cols; j += 1) { box1D(temp, buffer, j, rows, cols, alongCols); }
    }
  }

  function decimate(buffer, rows, cols) {
    var out = new Float32Array(64 * 64);
    for (var i = 0; i < 64; i += 1) {
      var row = Math.floor(((i + 0.5) * rows) / 64);
      for (var j = 0; j < 64; j += 1) {
        out[i * 64 + j] = buffer[row * cols + Math.floor(((j + 0.5) * cols) / 64)];
      }
    }
    return out;
  }

  function quality(block) {
    var sum = 0, i, j;
    for (i = 0; i < 63; i += 1) {
      for (j = 0; j < 64; j += 1) {
        sum += Math.abs(Math.trunc(((block[i * 64 + j] - block[(i + 1) * 64 + j]) * 100) / 255));
      }
    }
    for (i = 0; i < 64; i += 1) {
      for (j = 0; j < 63; j += 1) {
        sum += Math.abs(Math.trunc(((block[i * 64 + j] - block[i * 64 + j + 1]) * 100) / 255));
      }
    }
    return Math.min(100, Math.floor(sum / 90));
  }

  function dct16(block) {
    var half = new Float32Array(16 * 64), out = new Float32Array(256), i, j, k, sum;
    for (i = 0; i < 16; i += 1) {
      for (j = 0; j < 64; j += 1) {
        sum = 0;
        for (k = 0; k < 64; k += 1) { sum = f32(sum + f32(DCT[i * 64 + k] * block[k * 64 + j])); }
        half[i * 64 + j] = sum;
      }
    }
    for (i = 0; i < 16; i += 1) {
      for (j = 0; j < 16; j += 1) {
        sum = 0;
        for (k = 0; k < 64; k += 1) { sum = f32(sum + f32(half[i * 64 + k] * DCT[j * 64 + k])); }
        out[i * 16 + j] = sum;
      }
    }
    return out;
  }

  // Bit i*16+j is set when coefficient (i, j) is above the median (the 128th smallest, as
  // the reference's Torben median gives); words are printed from the 16th to the first.
  function toHex(coefficients) {
    var median = Array.prototype.slice.call(coefficients).sort(function (a, b) { return a - b; })[127];
    var hex = "";
    for (var word = 15; word >= 0; word -= 1) {
      var bits = 0;
      for (var bit = 0; bit < 16; bit += 1) {
        if (coefficients[word * 16 + bit] > median) { bits |= 1 << bit; }
      }
      hex += ("000" + bits.toString(16)).slice(-4);
    }
    return hex;
  }

  function hashRGBA(data, width, height) {
    var size = width * height;
    var luma = new Float32Array(size);
    for (var p = 0, q = 0; p < size; p += 1, q += 4) {
      luma[p] = 0.299 * data[q] + 0.587 * data[q + 1] + 0.114 * data[q + 2];
    }
    jarosz(luma, new Float32Array(size), height, width);
    var block = decimate(luma, height, width);
    return { hex: toHex(dct16(block)), quality: quality(block) };
  }

  function unreadable(reason) {
    var error = new Error(reason || "unreadable");
    error.code = "unreadable";
    return error;
  }

  function hashFile(file, options) {
    var thumbSize = (options && options.thumbSize) || 64;
    return window.createImageBitmap(file).then(function (bitmap) {
      try {
        var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
        var width = Math.max(1, Math.round(bitmap.width * scale));
        var height = Math.max(1, Math.round(bitmap.height * scale));
        var canvas = document.createElement("canvas");
        canvas.width = width;
        canvas.height = height;
        var context = canvas.getContext("2d", { willReadFrequently: true });
        context.imageSmoothingQuality = "high";
        context.drawImage(bitmap, 0, 0, width, height);
        var result = hashRGBA(context.getImageData(0, 0, width, height).data, width, height);
        var thumbScale = thumbSize / Math.max(width, height);
        var thumb = document.createElement("canvas");
        thumb.width = Math.max(1, Math.round(width * thumbScale));
        thumb.height = Math.max(1, Math.round(height * thumbScale));
        thumb.getContext("2d").drawImage(canvas, 0, 0, thumb.width, thumb.height);
        canvas.width = 0; // let the full-size pixels go now, not at the next collection
        result.thumbnail = thumb;
        return result;
      } finally {
        bitmap.close();
      }
    }, function () {
      throw unreadable();
    });
  }

  window.PortalPDQ = { hashRGBA: hashRGBA, hashFile: hashFile };
})();
