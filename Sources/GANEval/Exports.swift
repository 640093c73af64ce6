// GANEval is the one module the CLI imports: it re-exports the plugin API and the data model.
@_exported import EvalCore
@_exported import ImageIO
@_exported import Workers
