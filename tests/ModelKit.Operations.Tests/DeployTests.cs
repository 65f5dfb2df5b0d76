using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Grpc.Net.Client;
using ModelKit.Protocol.Grpc;
using ModelKit.Testing;
using YamlDotNet.RepresentationModel;

namespace ModelKit.Operations.Tests;

/// <summary>
/// deploy/: every YAML file parses and uses only field names its schema has, the objects refer to each other consistently, and
/// <c>modelkit serve</c> started with exactly a container's arguments and environment answers its probes on their paths and ports.
/// </summary>
public sealed class DeployTests : IDisposable
{
    private const string ApiKey = "deploy-test-key-0123456789";
    private static readonly string DeployRoot = Path.Combine(SharedData.RepoRoot, "deploy");
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "modelkit-deploy-" + Guid.NewGuid().ToString("N")[..10]);

    public void Dispose()
    {
        if (Directory.Exists(_scratch))
        {
            Directory.Delete(_scratch, recursive: true);
        }
    }

    public static TheoryData<string> YamlFiles() => new(YamlFileList());

    private static List<string> YamlFileList() => Directory.EnumerateFiles(DeployRoot, "*.*", SearchOption.AllDirectories)
        .Where(static f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
        .Select(static f => Path.GetRelativePath(DeployRoot, f))
        .Order(StringComparer.Ordinal)
        .ToList();

    [Fact]
    public void Deploy_holds_the_container_build_kubernetes_and_kserve()
    {
        var files = YamlFileList();
        Assert.Contains(Path.Combine("kubernetes", "deployment.yaml"), files);
        Assert.Contains(Path.Combine("kserve", "clusterservingruntime.yaml"), files);
        Assert.Contains(Path.Combine("kserve", "inferenceservice.yaml"), files);
        Assert.True(File.Exists(Path.Combine(DeployRoot, "container", "Dockerfile")));
        var kinds = files.SelectMany(f => Documents(f)).Select(d => Scalar(d, "kind")).ToHashSet();
        Assert.Superset(new HashSet<string?> { "Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "ServiceMonitor", "ClusterServingRuntime", "InferenceService" }, kinds);
    }

    [Theory]
    [MemberData(nameof(YamlFiles))]
    public void Every_file_parses_and_uses_only_fields_of_its_schema(string file)
    {
        var documents = Documents(file).ToList();
        Assert.NotEmpty(documents);
        foreach (var document in documents)
        {
            string type;
            if (Scalar(document, "kind") is { } kind)
            {
                string apiVersion = Scalar(document, "apiVersion") ?? "";
                Assert.True(KubernetesSchema.Kinds.TryGetValue((apiVersion, kind), out type!), $"{file}: {apiVersion} {kind} is not a kind the schema knows.");
                if (kind != "Kustomization")
                {
                    Assert.False(string.IsNullOrEmpty(Scalar(Map(document, "metadata"), "name")), $"{file}: {kind} has no metadata.name");
                }
            }
            else
            {
                type = "PrometheusConfig";
            }

            var problems = new List<string>();
            Check(document, type, kind: type, problems);
            Assert.True(problems.Count == 0, $"{file}:\n  " + string.Join("\n  ", problems));
        }
    }

    [Fact]
    public void The_kubernetes_objects_agree_with_each_other_and_with_the_image()
    {
        var deployment = Single("kubernetes/deployment.yaml");
        var pod = Map(Map(Map(deployment, "spec"), "template"), "spec");
        var podLabels = Labels(Map(Map(Map(deployment, "spec"), "template"), "metadata"), "labels");
        var container = (YamlMappingNode)Assert.Single(Sequence(pod, "containers"));
        var ports = Sequence(container, "ports").Cast<YamlMappingNode>().ToDictionary(static p => Scalar(p, "name")!, static p => int.Parse(Scalar(p, "containerPort")!, CultureInfo.InvariantCulture));
        var args = Strings(container, "args");
        var image = Dockerfile.Load(Path.Combine(DeployRoot, "container", "Dockerfile"));

        // The deployment runs the image's command as is; the image's user and volume are the pod's.
        Assert.Equal(image.Cmd, args);
        Assert.Equal(image.User, Scalar(Map(pod, "securityContext"), "runAsUser"));
        Assert.NotEqual("0", image.User);
        Assert.Contains("/models", image.Volumes);
        Assert.Contains(Sequence(container, "volumeMounts").Cast<YamlMappingNode>(), m => Scalar(m, "mountPath") == "/models" && Scalar(m, "readOnly") == "true");
        Assert.Equal("/models", args[1]);
        Assert.Equal(ports["http"], int.Parse(Option(args, "--port"), CultureInfo.InvariantCulture));
        Assert.Equal(ports["grpc"], int.Parse(Option(args, "--grpc-port"), CultureInfo.InvariantCulture));
        Assert.Equal(image.Expose.Order(), ports.Values.Select(static p => p.ToString(CultureInfo.InvariantCulture)).Order());
        Assert.Equal("true", Scalar(Map(container, "securityContext"), "readOnlyRootFilesystem"));
        Assert.Equal("true", Scalar(Map(pod, "securityContext"), "runAsNonRoot"));

        // Probes: the v2 health endpoints, on a named port of the container.
        Assert.Equal("/v2/health/ready", ProbePath(container, "startupProbe", ports.Keys));
        Assert.Equal("/v2/health/live", ProbePath(container, "livenessProbe", ports.Keys));
        Assert.Equal("/v2/health/ready", ProbePath(container, "readinessProbe", ports.Keys));

        // Shutdown: the grace period covers the preStop pause and the drain.
        int grace = int.Parse(Scalar(pod, "terminationGracePeriodSeconds")!, CultureInfo.InvariantCulture);
        int preStop = int.Parse(Scalar(Map(Map(Map(container, "lifecycle"), "preStop"), "sleep"), "seconds")!, CultureInfo.InvariantCulture);
        Assert.True(grace > preStop + double.Parse(Option(args, "--drain-timeout"), System.Globalization.CultureInfo.InvariantCulture), "terminationGracePeriodSeconds must exceed preStop + drain timeout");

        // The Service, HPA, PDB and ServiceMonitor point at this deployment's pods and ports.
        var service = Single("kubernetes/service.yaml");
        Assert.Subset(podLabels.ToHashSet(), Labels(Map(service, "spec"), "selector").ToHashSet());
        var servicePorts = Sequence(Map(service, "spec"), "ports").Cast<YamlMappingNode>().ToList();
        Assert.All(servicePorts, p => Assert.Contains(Scalar(p, "targetPort")!, ports.Keys));
        var hpa = Single("kubernetes/hpa.yaml");
        Assert.Equal(Scalar(Map(deployment, "metadata"), "name"), Scalar(Map(Map(hpa, "spec"), "scaleTargetRef"), "name"));
        Assert.Contains(Sequence(Map(hpa, "spec"), "metrics").Cast<YamlMappingNode>(),
            m => Scalar(m, "type") == "Pods" && Scalar(Map(Map(m, "pods"), "metric"), "name") == "modelkit_server_active_requests");
        var pdb = Single("kubernetes/pdb.yaml");
        Assert.Subset(podLabels.ToHashSet(), Labels(Map(Map(pdb, "spec"), "selector"), "matchLabels").ToHashSet());
        var monitor = Single("kubernetes/servicemonitor.yaml");
        var endpoint = (YamlMappingNode)Assert.Single(Sequence(Map(monitor, "spec"), "endpoints"));
        Assert.Contains(servicePorts, p => Scalar(p, "name") == Scalar(endpoint, "port"));
        Assert.Equal("/metrics", Scalar(endpoint, "path"));
        var secret = Map(Map(Assert.Single(Sequence(container, "env").Cast<YamlMappingNode>(), e => Scalar(e, "name") == "MODELKIT_API_KEY"), "valueFrom"), "secretKeyRef");
        var credentials = Map(Map(endpoint, "authorization"), "credentials");
        Assert.Equal((Scalar(secret, "name"), Scalar(secret, "key")), (Scalar(credentials, "name"), Scalar(credentials, "key")));

        // kustomization.yaml lists files that exist.
        var kustomization = Single("kubernetes/kustomization.yaml");
        Assert.All(Strings(kustomization, "resources"), r => Assert.True(File.Exists(Path.Combine(DeployRoot, "kubernetes", r)), $"kustomization resource {r} is missing"));
    }

    [Fact]
    public void The_kserve_runtime_serves_onnx_on_v2_and_the_inference_service_uses_it_with_a_canary()
    {
        var runtime = Single("kserve/clusterservingruntime.yaml");
        var spec = Map(runtime, "spec");
        Assert.Contains(Sequence(spec, "supportedModelFormats").Cast<YamlMappingNode>(), f => Scalar(f, "name") == "onnx");
        Assert.Equal(["v2", "grpc-v2"], Strings(spec, "protocolVersions"));
        var container = (YamlMappingNode)Assert.Single(Sequence(spec, "containers"));
        Assert.Equal("kserve-container", Scalar(container, "name"));
        var args = Strings(container, "args");
        Assert.Equal("/mnt/models", args[1]);
        Assert.Contains("--model-name={{.Name}}", args);
        Assert.Equal("8080", Option(args, "--port")); // KServe's HTTP port
        Assert.Equal("8080", Scalar((YamlMappingNode)Assert.Single(Sequence(container, "ports")), "containerPort"));
        Assert.Equal("8080", Labels(spec, "annotations")["prometheus.kserve.io/port"]);

        var service = Single("kserve/inferenceservice.yaml");
        var predictor = Map(Map(service, "spec"), "predictor");
        var model = Map(predictor, "model");
        Assert.Equal(Scalar(Map(runtime, "metadata"), "name"), Scalar(model, "runtime"));
        Assert.Equal("onnx", Scalar(Map(model, "modelFormat"), "name"));
        Assert.Equal("v2", Scalar(model, "protocolVersion"));
        int canary = int.Parse(Scalar(predictor, "canaryTrafficPercent")!, CultureInfo.InvariantCulture);
        Assert.InRange(canary, 1, 99);
    }

    [Fact]
    public async Task Serve_with_the_deployments_arguments_and_environment_answers_the_probes()
    {
        var deployment = Single("kubernetes/deployment.yaml");
        var container = (YamlMappingNode)Assert.Single(Sequence(Map(Map(Map(deployment, "spec"), "template"), "spec"), "containers"));
        string repository = TestModels.Repository(Path.Combine(_scratch, "models"), "doubler", TestModels.Doubler());
        var run = ContainerRun.From(container, new Dictionary<string, string> { ["/models"] = repository }, secrets: _ => ApiKey);

        using var server = ServeProcess.Start(run.Arguments, run.Environment);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{run.HostPort("http")}") };
        foreach (string probe in new[] { "startupProbe", "livenessProbe", "readinessProbe" })
        {
            var get = Map(Map(container, probe), "httpGet");
            Assert.Equal("http", Scalar(get, "port"));
            await server.WaitForOkAsync(http, Scalar(get, "path")!, TimeSpan.FromSeconds(60));
        }

        // The API key from the Secret guards inference and /metrics (what the ServiceMonitor scrapes with it).
        using (var anonymous = await http.PostAsync("/v2/models/doubler/infer", Json("""{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        using (var infer = await http.PostAsync("/v2/models/doubler/infer", Json("""{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""")))
        {
            string text = await infer.Content.ReadAsStringAsync();
            Assert.True(infer.IsSuccessStatusCode, text);
            using var json = System.Text.Json.JsonDocument.Parse(text);
            var data = json.RootElement.GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(static v => v.GetSingle()).ToArray();
            Assert.Equal([2f, 4f, 6f, 8f], data);
        }

        string metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("modelkit_server_active_requests", metrics, StringComparison.Ordinal);

        // The gRPC port (the container's "grpc" port) serves the protocol's health RPCs.
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{run.HostPort("grpc")}");
        var grpc = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        Assert.True((await grpc.ServerReadyAsync(new ServerReadyRequest())).Ready);

        server.Terminate();
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task Serve_with_the_kserve_runtimes_arguments_serves_the_storage_initializers_layout_under_the_service_name()
    {
        var runtime = Single("kserve/clusterservingruntime.yaml");
        var container = (YamlMappingNode)Assert.Single(Sequence(Map(runtime, "spec"), "containers"));
        // What KServe's storage initializer leaves in /mnt/models for an ONNX storageUri: the model file at the top.
        string mount = Path.Combine(_scratch, "mnt-models");
        Directory.CreateDirectory(mount);
        File.WriteAllBytes(Path.Combine(mount, "model.onnx"), TestModels.Doubler());
        var run = ContainerRun.From(container, new Dictionary<string, string> { ["/mnt/models"] = mount, ["{{.Name}}"] = "mnist" }, secrets: _ => ApiKey);

        using var server = ServeProcess.Start(run.Arguments, run.Environment);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{run.HostPort("8080")}") };
        var readiness = Map(Map(container, "readinessProbe"), "httpGet");
        Assert.Equal("8080", Scalar(readiness, "port"));
        await server.WaitForOkAsync(http, Scalar(readiness, "path")!, TimeSpan.FromSeconds(60));
        await server.WaitForOkAsync(http, "/v2/models/mnist/ready", TimeSpan.FromSeconds(10));
        using (var infer = await http.PostAsync("/v2/models/mnist/infer", Json("""{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""")))
        {
            string text = await infer.Content.ReadAsStringAsync();
            Assert.True(infer.IsSuccessStatusCode, text);
            Assert.Contains("\"model_name\":\"mnist\"", text.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        }

        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{run.HostPort("9000")}");
        var grpc = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        Assert.True((await grpc.ModelReadyAsync(new ModelReadyRequest { Name = "mnist" })).Ready);
        server.Terminate();
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string ProbePath(YamlMappingNode container, string probe, IEnumerable<string> portNames)
    {
        var get = Map(Map(container, probe), "httpGet");
        Assert.Contains(Scalar(get, "port")!, portNames);
        return Scalar(get, "path")!;
    }

    private static string Option(IReadOnlyList<string> args, string name)
    {
        int index = args.ToList().IndexOf(name);
        Assert.True(index >= 0 && index + 1 < args.Count, $"the arguments have no {name}");
        return args[index + 1];
    }

    private static IEnumerable<YamlMappingNode> Documents(string relativePath)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(DeployRoot, relativePath));
        stream.Load(reader);
        return stream.Documents.Select(static d => Assert.IsType<YamlMappingNode>(d.RootNode));
    }

    private static YamlMappingNode Single(string relativePath) => Assert.Single(Documents(relativePath.Replace('/', Path.DirectorySeparatorChar)));

    internal static YamlNode? Child(YamlMappingNode map, string key) => map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    internal static string? Scalar(YamlMappingNode map, string key) => (Child(map, key) as YamlScalarNode)?.Value;

    internal static YamlMappingNode Map(YamlMappingNode map, string key) => Assert.IsType<YamlMappingNode>(Child(map, key));

    internal static YamlSequenceNode Sequence(YamlMappingNode map, string key) => Assert.IsType<YamlSequenceNode>(Child(map, key));

    internal static List<string> Strings(YamlMappingNode map, string key) => Sequence(map, key).Select(static n => ((YamlScalarNode)n).Value!).ToList();

    private static Dictionary<string, string> Labels(YamlMappingNode map, string key) =>
        Map(map, key).Children.ToDictionary(static p => ((YamlScalarNode)p.Key).Value!, static p => ((YamlScalarNode)p.Value).Value!);

    private static void Check(YamlNode node, string type, string kind, List<string> problems, string path = "")
    {
        if (type == "any")
        {
            return;
        }

        if (type == "map")
        {
            if (node is not YamlMappingNode map || map.Children.Values.Any(static v => v is not YamlScalarNode))
            {
                problems.Add($"{path}: expected a map of strings");
            }

            return;
        }

        if (node is not YamlMappingNode mapping)
        {
            problems.Add($"{path}: expected an object ({type})");
            return;
        }

        var fields = KubernetesSchema.Types[type].ToDictionary(static f => f.Split(':')[0], static f => f.Contains(':') ? f.Split(':', 2)[1] : null);
        foreach (var (keyNode, value) in mapping.Children)
        {
            string key = ((YamlScalarNode)keyNode).Value!;
            string here = path.Length == 0 ? key : path + "." + key;
            if (!fields.TryGetValue(key, out string? child))
            {
                problems.Add($"{here}: {type} has no field '{key}' (known: {string.Join(", ", fields.Keys)})");
                continue;
            }

            if (child is null)
            {
                if (value is YamlMappingNode)
                {
                    problems.Add($"{here}: expected a scalar or a list of scalars, found an object");
                }
            }
            else if (child.StartsWith('['))
            {
                if (value is not YamlSequenceNode sequence)
                {
                    problems.Add($"{here}: expected a list");
                    continue;
                }

                int i = 0;
                foreach (var item in sequence)
                {
                    Check(item, child[1..^1], kind, problems, $"{here}[{i++}]");
                }
            }
            else
            {
                Check(value, child, kind, problems, here);
            }
        }
    }

    /// <summary>The image's Dockerfile: USER, VOLUME, EXPOSE and the exec-form CMD.</summary>
    private sealed record Dockerfile(string User, List<string> Volumes, List<string> Expose, List<string> Cmd)
    {
        public static Dockerfile Load(string path)
        {
            var lines = File.ReadAllLines(path).Where(static l => !l.TrimStart().StartsWith('#')).ToList();
            // Instructions of the last stage (the image that ships).
            int last = lines.FindLastIndex(static l => l.StartsWith("FROM ", StringComparison.Ordinal));
            var stage = lines.Skip(last).ToList();
            string Instruction(string name) => Assert.Single(stage, l => l.StartsWith(name + " ", StringComparison.Ordinal))[(name.Length + 1)..].Trim();
            List<string> JsonList(string text) => System.Text.Json.JsonSerializer.Deserialize<List<string>>(text)!;
            return new Dockerfile(Instruction("USER"), JsonList(Instruction("VOLUME")), Instruction("EXPOSE").Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList(), JsonList(Instruction("CMD")));
        }
    }

    /// <summary>
    /// A container's arguments and environment as the test runs them: the given substitutions only (volume mount paths to local
    /// folders, template placeholders), secret values from <c>secrets</c>, and each container port mapped to a free local port
    /// (as <c>docker run -p</c> would), so parallel tests and other servers on the machine do not collide.
    /// </summary>
    private sealed class ContainerRun
    {
        private readonly Dictionary<string, int> _ports = new(StringComparer.Ordinal);

        public List<string> Arguments { get; } = [];

        public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

        /// <summary>The local port of a container port, by name or number.</summary>
        public int HostPort(string nameOrNumber) => _ports[nameOrNumber];

        public static ContainerRun From(YamlMappingNode container, IReadOnlyDictionary<string, string> substitutions, Func<string, string> secrets)
        {
            var run = new ContainerRun();
            var declared = Sequence(container, "ports").Cast<YamlMappingNode>().Select(static p => (Name: Scalar(p, "name"), Port: Scalar(p, "containerPort")!)).ToList();
            var args = Strings(container, "args");
            foreach (string flag in new[] { "--port", "--grpc-port" })
            {
                int index = args.IndexOf(flag);
                if (index >= 0)
                {
                    string containerPort = args[index + 1];
                    int local = ServeProcess.FreePort();
                    run._ports[containerPort] = local;
                    if (declared.FirstOrDefault(d => d.Port == containerPort).Name is { } name)
                    {
                        run._ports[name] = local;
                    }
                }
            }

            for (int i = 0; i < args.Count; i++)
            {
                string arg = args[i];
                if (i > 0 && args[i - 1] is "--port" or "--grpc-port")
                {
                    arg = run._ports[arg].ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                foreach (var (from, to) in substitutions)
                {
                    arg = arg.Replace(from, to, StringComparison.Ordinal);
                }

                run.Arguments.Add(arg);
            }

            if (Child(container, "env") is YamlSequenceNode env)
            {
                foreach (var entry in env.Cast<YamlMappingNode>())
                {
                    string name = Scalar(entry, "name")!;
                    run.Environment[name] = Scalar(entry, "value") ?? secrets(name);
                }
            }

            return run;
        }
    }
}
