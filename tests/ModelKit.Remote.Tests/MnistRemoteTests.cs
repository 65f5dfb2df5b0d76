using Microsoft.Extensions.DependencyInjection;
using ModelKit.Testing;

namespace ModelKit.Remote.Tests;

/// <summary>The MNIST contract through its generated client, locally and against the server over each protocol.</summary>
public sealed class MnistRemoteTests(RemoteServerFixture fixture) : IClassFixture<RemoteServerFixture>
{
    private const int Images = 24;

    public static TheoryData<string> Protocols() => new(Clients.Protocols);

    [SkippableTheory]
    [MemberData(nameof(Protocols))]
    public async Task Mnist_logits_are_identical_locally_and_remotely(string protocol)
    {
        string mnist = SharedData.Require("models/mnist.onnx");
        var images = Enumerable.Range(0, Images).Select(TestModels.Image).ToArray();

        using var local = Clients.FromConfiguration(new Dictionary<string, string?>
        {
            ["ModelKit:Models:mnist:Path"] = mnist,
            ["ModelKit:Models:mnist:IntraOpThreads"] = "1",
        }, kit => kit.AddModel<IDigitClassifier>());
        using var remote = Clients.FromConfiguration(new Dictionary<string, string?>
        {
            ["ModelKit:Models:mnist:Endpoint"] = fixture.Host.EndpointFor(protocol),
            ["ModelKit:Models:mnist:Protocol"] = protocol,
        }, kit => kit.AddModel<IDigitClassifier>());
        var localClassifier = local.GetRequiredService<IDigitClassifier>();
        var remoteClassifier = remote.GetRequiredService<IDigitClassifier>();
        Assert.StartsWith($"remote {protocol} http://127.0.0.1:", remote.GetRequiredService<ModelRegistry>().GetBackend("mnist").Description);

        var expected = images.Select(image => localClassifier.Predict(image).Logits).ToArray();
        Assert.All(expected, logits => Assert.Equal(10, logits.Length));
        Assert.True(expected.Select(static l => Array.IndexOf(l, l.Max())).Distinct().Count() > 1, "the test images should not all look like one digit");

        for (int i = 0; i < images.Length; i++)
        {
            var sync = remoteClassifier.Predict(images[i]).Logits;
            var async = (await remoteClassifier.PredictAsync(images[i])).Logits;
            Assert.Equal(Bits(expected[i]), Bits(sync));
            Assert.Equal(Bits(expected[i]), Bits(async));
        }

        var batch = remoteClassifier.PredictBatch(images);
        Assert.Equal(images.Length, batch.Length);
        for (int i = 0; i < images.Length; i++)
        {
            Assert.Equal(Bits(expected[i]), Bits(batch[i].Logits));
        }

        // Caller-owned output memory is filled in place.
        using var into = Clients.FromConfiguration(new Dictionary<string, string?>
        {
            ["ModelKit:Models:mnist:Endpoint"] = fixture.Host.EndpointFor(protocol),
            ["ModelKit:Models:mnist:Protocol"] = protocol,
        }, kit => kit.AddModel<IMnistInto>());
        var intoClient = into.GetRequiredService<IMnistInto>();
        var destination = new float[10];
        intoClient.Predict(images[3].Pixels, destination);
        Assert.Equal(Bits(expected[3]), Bits(destination));
        Array.Clear(destination);
        await intoClient.PredictAsync(images[4].Pixels, destination, CancellationToken.None);
        Assert.Equal(Bits(expected[4]), Bits(destination));

        // Concurrent callers share the backend and its HTTP/2 or pooled HTTP/1.1 connections.
        var concurrent = await Task.WhenAll(images.Select(async image => (await remoteClassifier.PredictAsync(image)).Logits));
        for (int i = 0; i < images.Length; i++)
        {
            Assert.Equal(Bits(expected[i]), Bits(concurrent[i]));
        }
    }

    [SkippableFact]
    public void The_same_code_runs_locally_or_remotely_by_configuration_alone()
    {
        string mnist = SharedData.Require("models/mnist.onnx");
        var image = TestModels.Image(7);

        var local = App(new Dictionary<string, string?> { ["ModelKit:Models:mnist:Path"] = mnist }, image);
        Assert.StartsWith("onnxruntime", local.Backend);
        foreach (var protocol in Clients.Protocols)
        {
            var remote = App(new Dictionary<string, string?>
            {
                ["ModelKit:Models:mnist:Endpoint"] = fixture.Host.EndpointFor(protocol),
                ["ModelKit:Models:mnist:Protocol"] = protocol,
                ["ModelKit:Models:mnist:Version"] = "1",
                ["ModelKit:Models:mnist:Timeout"] = "00:00:20",
            }, image);
            Assert.StartsWith($"remote {protocol}", remote.Backend);
            Assert.Contains("version 1", remote.Backend);
            Assert.Equal(Bits(local.Logits), Bits(remote.Logits));
        }

        // The app: configuration in, a classifier out; nothing here knows where the model runs.
        static (float[] Logits, string Backend) App(Dictionary<string, string?> settings, DigitImage image)
        {
            using var services = Clients.FromConfiguration(settings, kit => kit.AddModel<IDigitClassifier>());
            var classifier = services.GetRequiredService<IDigitClassifier>();
            var logits = classifier.Predict(image).Logits;
            return (logits, services.GetRequiredService<ModelRegistry>().GetBackend("mnist").Description);
        }
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Outputs_whose_shape_only_the_run_knows_come_back_with_their_shape(string protocol)
    {
        using var local = Clients.FromConfiguration(new Dictionary<string, string?> { ["ModelKit:Models:nonzero:Path"] = fixture.ModelFile("nonzero") },
            kit => kit.AddModel<INonZero>());
        using var remote = Clients.FromConfiguration(new Dictionary<string, string?>
        {
            ["ModelKit:Models:nonzero:Endpoint"] = fixture.Host.EndpointFor(protocol),
            ["ModelKit:Models:nonzero:Protocol"] = protocol,
        }, kit => kit.AddModel<INonZero>());
        var localClient = local.GetRequiredService<INonZero>();
        var remoteClient = remote.GetRequiredService<INonZero>();
        foreach (var values in new[] { new[] { 0f, 3f, 0f, -1f, 2f }, new[] { 0f, 0f }, new[] { 1f, 1f, 1f, 1f, 1f, 1f, 1f } })
        {
            var expected = localClient.Find(values);
            var actual = remoteClient.Find(values);
            var actualAsync = await remoteClient.FindAsync(values);
            Assert.Equal(new long[] { 1, values.Count(static v => v != 0) }, actual.Shape.ToArray());
            Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
            Assert.Equal(expected.Data.ToArray(), actual.Data.ToArray());
            Assert.Equal(expected.Shape.ToArray(), actualAsync.Shape.ToArray());
            Assert.Equal(expected.Data.ToArray(), actualAsync.Data.ToArray());
        }
    }

    private static uint[] Bits(float[] values) => values.Select(BitConverter.SingleToUInt32Bits).ToArray();
}
