/// Okabe & Ito's colour-blind-safe palette (2008), black moved last; cycles when exhausted.
public enum Palette {
  public static let okabeIto = [
    "#0072B2",  // blue
    "#D55E00",  // vermillion
    "#009E73",  // bluish green
    "#E69F00",  // orange
    "#CC79A7",  // reddish purple
    "#56B4E9",  // sky blue
    "#F0E442",  // yellow
    "#000000",  // black
  ]
  /// Ten well-separated colours for class labels (Okabe–Ito plus two greys).
  public static let classes = okabeIto + ["#999999", "#7F3C8D"]

  public static func color(_ index: Int) -> String { okabeIto[index % okabeIto.count] }
  public static func classColor(_ index: Int) -> String { classes[index % classes.count] }
}
