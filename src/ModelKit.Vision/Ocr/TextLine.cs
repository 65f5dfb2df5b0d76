using ModelKit.Vision.Detection;

namespace ModelKit.Vision.Ocr;

/// <summary>One line of text read from an image: the text, the recognizer's confidence, where it is, and whether it was upside down.</summary>
public sealed record TextLine(string Text, float Confidence, TextBox Box, bool UpsideDown);
