using System.CommandLine;
using ModelKit.Samples.Media.Reading;
using ModelKit.Samples.Media.Search;

namespace ModelKit.Samples.ConsoleApp.Media;

/// <summary>The text, vision and speech commands: <c>search</c>, <c>read</c>, <c>listen</c>.</summary>
internal static class MediaCommands
{
    public static IEnumerable<Command> Create()
    {
        yield return Search();
        yield return Read();
        yield return Listen();
    }

    private static Command Search()
    {
        var queries = new Argument<string[]>("query")
        {
            Description = "What to look for (each argument is one query; quote multi-word queries).",
            Arity = ArgumentArity.OneOrMore,
        };
        var top = new Option<int>("--top") { Description = "Sentences shown per query.", DefaultValueFactory = static _ => 5 };
        top.Validators.Add(static r => { if (r.GetValueOrDefault<int>() is < 1 or > 100) r.AddError("--top must lie in [1, 100]."); });
        var sentences = new Option<int>("--sentences") { Description = "Sentences written from the templates.", DefaultValueFactory = static _ => SentenceCorpus.DefaultCount };
        sentences.Validators.Add(static r => { if (r.GetValueOrDefault<int>() is < 10 or > 2000) r.AddError("--sentences must lie in [10, 2000]."); });
        var corpus = new Option<string?>("--corpus") { Description = "Search this file instead (one sentence a line; `topic<TAB>sentence` lines keep their topic).", HelpName = "FILE" };
        var placement = new PlacementOptions();
        var command = new Command("search", "Semantic search with all-MiniLM-L6-v2: embeds a few hundred sentences the sample writes from templates, then ranks them for each query by cosine similarity.")
        {
            queries, top, sentences, corpus,
        };
        placement.AddTo(command);
        command.SetAction((parse, cancellationToken) => Run(parse, placement, options =>
            new SearchRunner(options, Console.Out).RunAsync(parse.GetValue(queries)!, parse.GetValue(top), parse.GetValue(sentences), parse.GetValue(corpus), cancellationToken), cancellationToken));
        return command;
    }

    private static Command Read()
    {
        var image = new Argument<string?>("image") { Description = "A PNG, JPEG, WebP, BMP or GIF image; none: the sample draws one.", Arity = ArgumentArity.ZeroOrOne };
        var text = new Option<string?>("--text") { Description = "With no image: draw this text instead of the sample text (\\n starts a new line).", HelpName = "TEXT" };
        var placement = new PlacementOptions();
        var command = new Command("read", "Reads the text lines of an image with PaddleOCR PP-OCRv4 (three models) and prints each with its confidence and box.")
        {
            image, text,
        };
        placement.AddTo(command);
        command.SetAction((parse, cancellationToken) => Run(parse, placement, options =>
            new ReadRunner(options, Console.Out).RunAsync(parse.GetValue(image), parse.GetValue(text)?.Replace("\\n", "\n", StringComparison.Ordinal), cancellationToken), cancellationToken));
        return command;
    }

    private static Command Listen()
    {
        var wav = new Argument<string?>("wav") { Description = "A WAV file (PCM 8/16/24/32-bit or float, mono or stereo, 8–48 kHz); none: the sample synthesizes one with espeak-ng.", Arity = ArgumentArity.ZeroOrOne };
        var placement = new PlacementOptions();
        var command = new Command("listen", "Finds the speech in a WAV file with Silero VAD v5 and prints the segments (start, end, mean probability) and a timeline.")
        {
            wav,
        };
        placement.AddTo(command);
        command.SetAction((parse, cancellationToken) => Run(parse, placement, options =>
            new ListenRunner(options, Console.Out).RunAsync(parse.GetValue(wav), cancellationToken), cancellationToken));
        return command;
    }

    private static async Task<int> Run(ParseResult parse, PlacementOptions placement, Func<MediaOptions, Task<int>> run, CancellationToken cancellationToken)
    {
        var options = new MediaOptions(placement.Resolve(parse), MediaOptions.DefaultOutputFolder);
        try
        {
            return await run(options).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine("Cancelled.");
            return 130;
        }
        catch (Exception ex) when (ex is ModelKitException or InvalidOperationException or IOException or HttpRequestException or FontNotFoundException or ArgumentException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 1;
        }
    }

    /// <summary>Where the models run: <c>--endpoint</c>, <c>--protocol</c>, <c>--api-key</c>, <c>--threads</c>.</summary>
    private sealed class PlacementOptions
    {
        private readonly Option<string?> _endpoint = new("--endpoint")
        {
            Description = "Run the models on this ModelKit / Open Inference Protocol server (e.g. the Blazor sample's http://127.0.0.1:5180) instead of in-process; default: Sample__Remote__Endpoint.",
            HelpName = "URL",
        };

        private readonly Option<string?> _protocol = new("--protocol") { Description = "rest-binary, rest-json or grpc (default: Sample__Remote__Protocol, else rest-binary).", HelpName = "PROTOCOL" };
        private readonly Option<string?> _apiKey = new("--api-key") { Description = "API key for the server (default: Sample__Remote__ApiKey).", HelpName = "KEY" };
        private readonly Option<int> _threads = new("--threads") { Description = "ONNX Runtime intra-op threads for in-process models (0: ONNX Runtime's default).", DefaultValueFactory = static _ => 0 };

        public PlacementOptions()
        {
            _protocol.AcceptOnlyFromAmong("rest-binary", "rest-json", "grpc");
            _threads.Validators.Add(static r => { if (r.GetValueOrDefault<int>() < 0) r.AddError("--threads cannot be negative."); });
        }

        public void AddTo(Command command)
        {
            command.Options.Add(_endpoint);
            command.Options.Add(_protocol);
            command.Options.Add(_apiKey);
            command.Options.Add(_threads);
        }

        public Samples.Media.Hosting.ModelPlacement Resolve(ParseResult parse) =>
            MediaOptions.Resolve(parse.GetValue(_endpoint), parse.GetValue(_protocol), parse.GetValue(_apiKey), parse.GetValue(_threads));
    }
}
