// The plugin API speaks in the data model's terms (ImageSet, EvalError): a plugin module that
// imports EvalCore has them.
@_exported import ImageIO
