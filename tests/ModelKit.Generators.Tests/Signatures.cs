using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using ModelKit.Build;
using ModelKit.OnnxFormat;

namespace ModelKit.Generators.Tests;

/// <summary>Model signature sidecars for tests: written by the build step's own formatter from real .onnx files, or by hand.</summary>
internal static class Signatures
{
    /// <summary>The sidecar the build step writes for <paramref name="modelFile"/> (under ../shared/models) as model <paramref name="name"/>.</summary>
    public static string Of(string modelFile, string name)
    {
        string path = ModelKit.Testing.SharedData.Require("models/" + modelFile);
        return SignatureSidecar.Format(name, "models/" + modelFile, OnnxSignatureReader.Read(path));
    }

    /// <summary>A sidecar from lines like <c>input	x	tensor	float	1,4</c>.</summary>
    public static string Hand(string name, params string[] records) =>
        "modelkit-signature\t1\nmodel\t" + name + "\nsource\tmodels/" + name + ".onnx\n" + string.Concat(records.Select(static r => r + "\n"));

    /// <summary>Where the build step puts the sidecar of <paramref name="name"/>.</summary>
    public static string PathOf(string name) => "/project/obj/Release/net10.0/modelkit/" + name + ".modelkit-signature";

    public static AdditionalText Text(string name, string text) => new InMemoryText(PathOf(name), text);

    private sealed class InMemoryText(string path, string text) : AdditionalText
    {
        private readonly SourceText _text = SourceText.From(text, System.Text.Encoding.UTF8);

        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
    }
}
