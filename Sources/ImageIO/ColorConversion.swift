extension ImageSet {
  /// This set with the channels `mode` asks for, for sources read whole (imports) rather than
  /// decoded file by file: `.luma` turns RGB into ITU-R 601 luma, `.rgb` repeats gray into
  /// R = G = B, `.auto` keeps the set as it is.
  ///
  /// Luma of an 8-bit set is Pillow's `convert("L")` on its 8-bit levels (16.16 fixed point,
  /// rounded), as sample directories load under `--color luma`; of a 16-bit set the same weights
  /// in full precision, as the PNG decoder does.
  public func converted(to mode: ColorMode) -> ImageSet {
    switch (mode, channels) {
    case (.luma, 3):
      var luma = [Float](repeating: 0, count: count * pixelsPerImage)
      for i in 0..<count {
        let base = i * pixelsPerImage
        if bitDepth <= 8 {
          for (p, level) in lumaLevels(i).enumerated() { luma[base + p] = Float(level) / 255 }
        } else {
          let values = image(i)
          var v = values.startIndex
          for p in 0..<pixelsPerImage {
            let sum = Double(values[v]) * 19595 + Double(values[v + 1]) * 38470 + Double(values[v + 2]) * 7471
            luma[base + p] = Float(sum / 65536)
            v += 3
          }
        }
      }
      return with(pixels: luma, channels: 1)
    case (.rgb, 1):
      var rgb = [Float](repeating: 0, count: count * pixelsPerImage * 3)
      for (p, value) in pixels.enumerated() {
        rgb[3 * p] = value
        rgb[3 * p + 1] = value
        rgb[3 * p + 2] = value
      }
      return with(pixels: rgb, channels: 3)
    default:
      return self
    }
  }

  private func with(pixels: [Float], channels: Int) -> ImageSet {
    ImageSet(
      name: name, source: source, width: width, height: height, files: files, labels: labels, pixels: pixels,
      skipped: skipped, bitDepth: bitDepth, channels: channels)
  }
}
