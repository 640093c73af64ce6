import EvalCore
import Foundation
import ImageIO
import Plot
import TSNE

/// The t-SNE figures: 2D scatters by set and by class; in 3D a fixed-angle view plus the three
/// axis-pair projections, as static SVG.
enum TSNEFigures {
  static func make(sets: [ImageSet], rows: [(set: Int, index: Int)], embedding: Embedding, classFilter: String?) -> [Figure] {
    let dims = embedding.dims, y = embedding.coordinates, n = rows.count
    let radius = n > 20_000 ? 0.8 : n > 5_000 ? 1.2 : 2.0
    let subject = classFilter.map { " — class \($0)" } ?? ""
    func coordinates(_ members: [Int], _ axes: (Int, Int)) -> ([Double], [Double]) {
      (members.map { y[$0 * dims + axes.0] }, members.map { y[$0 * dims + axes.1] })
    }
    // first set (real) blue, second (generated) vermillion, as the studies draw them
    let bySet = sets.indices.map { s in (sets[s].name, (0..<n).filter { rows[$0].set == s }) }
    let labels = rows.map { sets[$0.set].labels[$0.index] }
    let classes = Array(Set(labels.compactMap { $0 })).sorted(by: naturalOrder)
    let byClass = classes.map { c in (c, (0..<n).filter { labels[$0] == c }) }

    func chart(_ title: String, _ groups: [(String, [Int])], _ axes: (Int, Int), _ names: (String, String), colors: [String]) -> Chart {
      var chart = Chart(title: title, xLabel: names.0, yLabel: names.1)
      chart.layers = groups.map { name, members in
        let (xs, ys) = coordinates(members, axes)
        return .points(name: "\(name) (n=\(members.count))", x: xs, y: ys, radius: radius)
      }
      chart.colors = colors
      chart.hideTickLabels = true
      return chart
    }
    let setColors = Palette.okabeIto
    let classColors = Palette.classes
    var figures: [Figure] = []
    if dims == 2 {
      figures.append(Figure(name: "tsne_by_set", svg: chart("t-SNE by set\(subject)", bySet, (0, 1), ("t-SNE 1", "t-SNE 2"), colors: setColors).svg()))
      if classes.count > 1 {
        figures.append(Figure(name: "tsne_by_class", svg: chart("t-SNE by class", byClass, (0, 1), ("t-SNE 1", "t-SNE 2"), colors: classColors).svg()))
      }
    } else {
      for (name, groups, colors) in [("by_set", bySet, setColors), ("by_class", byClass, classColors)] where groups.count > 1 || name == "by_set" {
        // a fixed view: azimuth 35°, elevation 25°, orthographic
        let (a, e) = (35.0 * .pi / 180, 25.0 * .pi / 180)
        var view = Chart(title: "3D view (azimuth 35°, elevation 25°)", xLabel: "", yLabel: "")
        view.layers = groups.map { label, members in
          let xs = members.map { y[$0 * 3] * cos(a) - y[$0 * 3 + 1] * sin(a) }
          let ys = members.map { (y[$0 * 3] * sin(a) + y[$0 * 3 + 1] * cos(a)) * sin(e) + y[$0 * 3 + 2] * cos(e) }
          return .points(name: "\(label) (n=\(members.count))", x: xs, y: ys, radius: radius)
        }
        view.colors = colors
        view.hideTickLabels = true
        let panels = Panels([
          view,
          chart("axes 1–2", groups, (0, 1), ("t-SNE 1", "t-SNE 2"), colors: colors),
          chart("axes 1–3", groups, (0, 2), ("t-SNE 1", "t-SNE 3"), colors: colors),
          chart("axes 2–3", groups, (1, 2), ("t-SNE 2", "t-SNE 3"), colors: colors),
        ], columns: 2)
        figures.append(Figure(name: "tsne3d_\(name)", svg: panels.svg()))
      }
    }
    return figures
  }
}
