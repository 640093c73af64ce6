import ArgumentParser
import Foundation
import GANEval

extension GanEval {
  struct Pipeline: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run a YAML pipeline (import, train, sample, filter, classifier, evaluate) and write report.md and report.html.",
      discussion: """
        The whole file is checked first (unknown steps or plugins, bad options, missing inputs), naming the line.
        Each step writes to out/<step>/; a re-run skips steps whose definition and inputs are unchanged (content hash);
        --from STEP runs that step and all later ones again. Ctrl-C keeps finished steps and marks the unfinished one.
        --out overrides the file's out:, --seed its seed:. See pipelines/study.yaml.
        """)

    @Argument(help: "The pipeline file.")
    var file: String

    @Option(help: "Run again from this step on, even if unchanged.")
    var from: String?

    @OptionGroup var common: CommonOptions

    func run() throws {
      var pipeline = try PipelineFile.load(file)
      if let out = common.out { pipeline.out = out }
      if let seed = common.seed { pipeline.seed = seed }
      var context = common.context(command: "pipeline")
      context.outputDirectory = pipeline.out
      catchInterrupt()
      let (results, report, failure) = try PipelineRun.run(
        pipeline, from: from, context: context, shouldStop: { interruptRequested.load(ordering: .relaxed) })
      for result in results {
        print("\(result.step.name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(result.status.rawValue)\(result.status == .ran ? String(format: " (%.1f s)", result.seconds) : "")")
      }
      print("report: " + report.joined(separator: ", "))
      if interruptRequested.load(ordering: .relaxed) { throw ExitCode(130) }
      if let failure { throw failure }
    }
  }
}
