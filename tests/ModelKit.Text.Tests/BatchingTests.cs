using System.Diagnostics.Metrics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace ModelKit.Text.Tests;

/// <summary>Tests that count model runs on ModelKit's process-wide meter: they run alone, so other classes' runs of the same model are not counted.</summary>
[CollectionDefinition(nameof(MeteredRuns), DisableParallelization = true)]
public sealed class MeteredRuns;

[Collection(nameof(MeteredRuns))]
public sealed class BatchingTests(EmbeddingHost host) : IClassFixture<EmbeddingHost>
{
    /// <summary>Texts of 3 to about 200 tokens (with [CLS] and [SEP]).</summary>
    public static string[] MixedLengths(int count, int seed = 7)
    {
        var random = new Random(seed);
        var words = string.Join(' ', Sentences.Plain).Split(' ');
        return Enumerable.Range(0, count).Select(i =>
        {
            int length = i % 8 == 0 ? 1 : random.Next(2, i % 3 == 0 ? 170 : 30);
            int start = random.Next(words.Length - length);
            return string.Join(' ', words.Skip(start).Take(length));
        }).ToArray();
    }

    [Theory]
    [InlineData("minilm-batched")]
    [InlineData("minilm-concurrent")]
    public async Task Sixty_four_concurrent_callers_of_mixed_lengths_each_get_their_own_embedding(string model)
    {
        var texts = MixedLengths(64);
        var lengths = texts.Select(static t => MiniLmFixture.Tokenizer.EncodeToIds(t).Length).ToArray();
        Assert.InRange(lengths.Min(), 3, 5);
        Assert.InRange(lengths.Max(), 150, 256);

        var unbatched = texts.Select(t => host.Generator().Operation.Run(t).Vector).ToArray();
        var batched = host.Generator(model).Operation;
        using var meter = new MetricCollector();
        using var start = new ManualResetEventSlim();
        var tasks = texts.Select(t => Task.Run(async () =>
        {
            start.Wait();
            return (await batched.RunAsync(t)).Vector;
        })).ToArray();
        start.Set();
        var results = await Task.WhenAll(tasks);

        for (int i = 0; i < texts.Length; i++)
        {
            float cosine = EmbeddingHost.Cosine(unbatched[i], results[i]);
            Assert.True(cosine >= 0.9999, $"caller {i} ({lengths[i]} tokens): cosine {cosine}");
        }

        Assert.True(meter.Runs(model) < 64, $"{meter.Runs(model)} runs for 64 callers: nothing was batched");
        Assert.Equal(lengths.Sum(), meter.Real(model));
        Assert.True(meter.Padding(model) <= 0.1 * meter.Real(model), $"padding {meter.Padding(model)} for {meter.Real(model)} real tokens");
    }

    [Theory]
    [InlineData("minilm")]
    [InlineData("minilm-concurrent")] // the groups are handed to the batcher at once and spread over its two concurrent runs
    public async Task A_batch_is_grouped_by_length_so_padding_stays_within_bounds(string model)
    {
        var texts = MixedLengths(48, seed: 11);
        using var meter = new MetricCollector();
        var batched = await host.Generator(model).Operation.RunBatchAsync(texts);
        int runs = meter.Runs(model);
        Assert.InRange(runs, 2, 47); // grouped: neither one run padded to the longest nor one run per text
        Assert.True(meter.Padding(model) <= 0.1 * meter.Real(model), $"padding {meter.Padding(model)} for {meter.Real(model)} real tokens");
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.True(EmbeddingHost.Cosine(host.Generator().Operation.Run(texts[i]).Vector, batched[i].Vector) >= 0.9999);
        }
    }

    [Fact]
    public async Task Distributed_cache_middleware_answers_a_repeated_input_without_a_model_run()
    {
        var cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        using var generator = host.Generator().AsBuilder().UseDistributedCache(cache).Build();
        using var meter = new MetricCollector();
        var first = await generator.GenerateAsync(["The river flooded the valley."]);
        int runsAfterFirst = meter.Runs("minilm");
        var second = await generator.GenerateAsync(["The river flooded the valley."]);
        Assert.Equal(1, runsAfterFirst);
        Assert.Equal(1, meter.Runs("minilm"));
        Assert.Equal(first[0].Vector.ToArray(), second[0].Vector.ToArray());
    }

    /// <summary>Listens to ModelKit's meter: runs per model, real and padding elements.</summary>
    private sealed class MetricCollector : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<(string Instrument, string Model), long> _totals = [];

        public MetricCollector()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ModelKitMetrics.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                string model = string.Empty;
                foreach (var tag in tags)
                {
                    if (tag.Key == "model")
                    {
                        model = (string)tag.Value!;
                    }
                    else if (tag.Key == "backend" && ((string)tag.Value!).EndsWith("+batching", StringComparison.Ordinal))
                    {
                        return; // the callers' view of the batcher; the model runs are recorded by the backend under it
                    }
                }

                lock (_totals)
                {
                    _totals[(instrument.Name, model)] = _totals.GetValueOrDefault((instrument.Name, model)) + value;
                }
            });
            _listener.Start();
        }

        public int Runs(string model) => (int)Get("modelkit.inference.count", model);

        public long Real(string model) => Get("modelkit.batch.real_elements", model);

        public long Padding(string model) => Get("modelkit.batch.padding_elements", model);

        public void Dispose() => _listener.Dispose();

        private long Get(string instrument, string model)
        {
            lock (_totals)
            {
                return _totals.GetValueOrDefault((instrument, model));
            }
        }
    }
}
