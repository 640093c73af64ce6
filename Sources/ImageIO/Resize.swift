/// Resamples an image bilinearly, sampling at pixel centres (as Pillow's BILINEAR without its
/// antialiasing filter); used only when the user passes `--resize`.
func resizeBilinear(
  _ source: UnsafeBufferPointer<Float>, width: Int, height: Int, channels c: Int = 1,
  into destination: UnsafeMutableBufferPointer<Float>, width outWidth: Int, height outHeight: Int
) {
  let scaleX = Float(width) / Float(outWidth)
  let scaleY = Float(height) / Float(outHeight)
  for y in 0..<outHeight {
    let sy = min(max((Float(y) + 0.5) * scaleY - 0.5, 0), Float(height - 1))
    let y0 = Int(sy), y1 = min(y0 + 1, height - 1)
    let fy = sy - Float(y0)
    for x in 0..<outWidth {
      let sx = min(max((Float(x) + 0.5) * scaleX - 0.5, 0), Float(width - 1))
      let x0 = Int(sx), x1 = min(x0 + 1, width - 1)
      let fx = sx - Float(x0)
      for k in 0..<c {
        let top = source[(y0 * width + x0) * c + k] * (1 - fx) + source[(y0 * width + x1) * c + k] * fx
        let bottom = source[(y1 * width + x0) * c + k] * (1 - fx) + source[(y1 * width + x1) * c + k] * fx
        destination[(y * outWidth + x) * c + k] = top * (1 - fy) + bottom * fy
      }
    }
  }
}
