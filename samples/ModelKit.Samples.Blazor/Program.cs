using Microsoft.Extensions.Options;
using ModelKit;
using ModelKit.Samples.BlazorApp.Components;
using ModelKit.Samples.BlazorApp.Contracts;
using ModelKit.Samples.BlazorApp.Digits;
using ModelKit.Samples.BlazorApp.Media;
using ModelKit.Samples.BlazorApp.Monitoring;

// Content root = the build output (appsettings.json lives there), whatever the working directory `dotnet run` starts in.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

// Static web assets (blazor.web.js, app.css) from the build output too, not only under the Development environment.
builder.WebHost.UseStaticWebAssets();

var sample = builder.Configuration.GetSection(SampleOptions.Section).Get<SampleOptions>() ?? new SampleOptions();
builder.Services.AddOptions<SampleOptions>().BindConfiguration(SampleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
var catalog = new DigitModelCatalog(sample.ResolveCnnPath(), sample.ResolveMlpPath());
builder.Services.AddSingleton(catalog);

// Text, vision and speech (the Search, Read and Listen pages): obtained on first start, read from the caches afterwards.
var mediaFiles = await MediaModelFiles.AcquireAsync(Console.Out);
builder.Services.AddSingleton(mediaFiles);

// The models, through ModelKit's generated clients: the CNN when its file exists, the MLP (trained on first start when missing).
builder.Services.AddModelKit(builder.Configuration.GetSection("ModelKit"), kit =>
{
    if (catalog.Cnn.Path is { } cnn)
    {
        kit.AddModel<IDigitClassifier>(catalog.Cnn.ModelName, model => model.Path = cnn);
    }

    kit.AddModel<IMlpDigitClassifier>(catalog.Mlp.ModelName, model => model.Path = catalog.Mlp.Path);
    mediaFiles.Register(kit);
});

// The app is a ModelKit server too (Open Inference Protocol REST + gRPC, /metrics), serving the same models: the Remote switch
// can point at it, or at any other ModelKit server (Sample:Remote:Endpoint).
builder.Services.AddModelKitServer(builder.Configuration.GetSection("ModelKit:Server"));

// …and Silero VAD as a stateful sequence model (the server keeps each stream's state), from a repository folder beside the app.
builder.Services.PostConfigure<ModelKit.Server.ModelKitServerOptions>(server => server.RepositoryPath ??= mediaFiles.ServedRepository);

builder.Services.AddSingleton<MetricsCollector>();
builder.Services.AddSingleton<MlpTrainingState>();
builder.Services.AddSingleton<SelfAddress>();
builder.Services.AddSingleton<RemoteDigitClients>();
builder.Services.AddSingleton<DigitPredictor>();
builder.Services.AddSingleton<MediaClients>();
builder.Services.AddSingleton<SearchService>();
builder.Services.AddSingleton<ReadService>();
builder.Services.AddSingleton<ListenService>();
builder.Services.AddHttpClient();
builder.Services.AddHostedService<MlpTrainingService>();

builder.Services.AddRazorComponents()
    .AddInteractiveServerComponents(options => options.DetailedErrors = builder.Environment.IsDevelopment());

var app = builder.Build();

// Listen to ModelKit's meters from the first request on.
app.Services.GetRequiredService<MetricsCollector>();

if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/error", createScopeForErrors: true);
}

app.UseAntiforgery();
app.MapStaticAssets();
app.MapModelKit();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

app.Lifetime.ApplicationStarted.Register(() =>
{
    string? url = app.Services.GetRequiredService<SelfAddress>().Get();
    string cnnMissing = string.IsNullOrWhiteSpace(sample.CnnPath)
        ? "no file: put the model zoo's mnist.onnx in ../shared/models or set Sample:CnnPath"
        : $"no file at {Path.GetFullPath(sample.CnnPath)}";
    var models = string.Join(", ", catalog.All.Select(m => m.Path is null ? $"{m.ModelName} ({cnnMissing})" : $"{m.ModelName} ({m.Path})"));
    Console.WriteLine($"ModelKit Blazor sample: open {url} in a browser (models: {models}). Ctrl+C stops it.");
});

app.Run();
