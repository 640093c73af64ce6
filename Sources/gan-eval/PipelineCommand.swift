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
        See pipelines/study.yaml.
        """)

    @Argument(help: "The pipeline file.")
    var file: String

    @Option(help: "Run again from this step on, even if unchanged.")
    var from: String?

    @Option(help: "Output directory (overrides the file's out:).")
    var out: String?

    @Option(help: "Worker threads (results do not depend on it).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "No progress output on stderr.")
    var quiet = false

    func run() throws {
      var pipeline = try PipelineFile.load(file)
      if let out { pipeline.out = out }
      var settings = RunSettings(outputDirectory: pipeline.out)
      (settings.threads, settings.quiet) = (threads, quiet)
      signal(SIGINT) { _ in interruptRequested.store(true, ordering: .relaxed) }
      let (results, report, failure) = try PipelineRun.run(
        pipeline, from: from, settings: settings, shouldStop: { interruptRequested.load(ordering: .relaxed) })
      for result in results {
        print("\(result.step.name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(result.status.rawValue)\(result.status == .ran ? String(format: " (%.1f s)", result.seconds) : "")")
      }
      print("report: " + report.joined(separator: ", "))
      if interruptRequested.load(ordering: .relaxed) { throw ExitCode(130) }
      if let failure { throw failure }
    }
  }
}
