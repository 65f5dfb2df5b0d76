using Microsoft.Playwright;
using ModelKit.Samples.Media.Hosting;
using ModelKit.Samples.Mnist;
using ModelKit.Testing;

namespace ModelKit.Samples.Blazor.Tests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BlazorAppFixture>
{
    public const string Name = "Blazor sample in Chromium";
}

/// <summary>
/// Shared by the browser tests: the trained MLP, one Chromium, and one running app (whose Remote switch points at itself).
/// Chromium starts on first use, so a machine without it skips the tests (fails them under CI=true) instead of failing the fixture.
/// </summary>
public sealed class BlazorAppFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private AppProcess? _app;

    /// <summary>The seeds' MLP (trained here the first time, as the app would).</summary>
    public string MlpPath { get; private set; } = string.Empty;

    /// <summary>The model zoo CNN when ../shared has it.</summary>
    public string? CnnPath { get; private set; }

    /// <summary>Where screenshots go (gitignored).</summary>
    public static string ScreenshotFolder { get; } = Path.Combine(SharedData.RepoRoot, "artifacts", "screenshots", "blazor");

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        MlpPath = MlpModelCache.EnsureTrained(MlpModelCache.DefaultPath);

        // The text, vision and speech models the app obtains when it starts: fetched here first (into the caches the library tests
        // share), so a cold cache never counts against the app's start-up timeout.
        await MediaModels.EnsureMiniLmAsync();
        await MediaModels.EnsurePaddleOcrAsync();
        await MediaModels.EnsureSileroVadAsync();
        string? cnn = SharedData.Root is { } root ? Path.Combine(root, "models", "mnist.onnx") : null;
        CnnPath = cnn is not null && File.Exists(cnn) ? cnn : null;
        Directory.CreateDirectory(ScreenshotFolder);
    }

    /// <summary>The shared Chromium (skips the test when it is not installed).</summary>
    public async Task<IBrowser> BrowserAsync()
    {
        string executable = Chromium.Require();
        await _gate.WaitAsync();
        try
        {
            if (_browser is null)
            {
                _playwright = await Playwright.CreateAsync();
                _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
                {
                    ExecutablePath = executable,
                    Headless = true,
                    Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
                });
            }

            return _browser;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A Chromium of its own with extra command-line switches (e.g. a fake microphone); the caller disposes it.</summary>
    public async Task<IBrowser> LaunchAsync(params string[] switches)
    {
        string executable = Chromium.Require();
        await _gate.WaitAsync();
        try
        {
            _playwright ??= await Playwright.CreateAsync();
            return await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = executable,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", .. switches],
            });
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The shared app (Remote switch → its own ModelKit endpoints).</summary>
    public async Task<AppProcess> AppAsync()
    {
        await _gate.WaitAsync();
        try
        {
            return _app ??= await StartAppAsync(remoteEndpoint: null);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A new app process; its Remote switch points at <paramref name="remoteEndpoint"/> (its own endpoints when null).</summary>
    public Task<AppProcess> StartAppAsync(string? remoteEndpoint, string? mlpPath = null)
    {
        var configuration = new Dictionary<string, string> { ["Sample:MlpPath"] = mlpPath ?? MlpPath, ["Sample:Remote:Timeout"] = "00:00:03" };
        if (CnnPath is not null)
        {
            configuration["Sample:CnnPath"] = CnnPath;
        }

        if (remoteEndpoint is not null)
        {
            configuration["Sample:Remote:Endpoint"] = remoteEndpoint;
        }

        return AppProcess.StartAsync(configuration, TimeSpan.FromSeconds(90));
    }

    /// <summary>A fresh page (1200×900) on the app, with the drawing pad attached.</summary>
    public async Task<IPage> OpenAsync(AppProcess app, string path = "", bool touch = false)
    {
        var browser = await BrowserAsync();
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1200, Height = 900 }, HasTouch = touch });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{app.Url}/{path}");
        if (path.Length == 0)
        {
            await Assertions.Expect(page.Locator("[data-testid=pad][data-ready=true]")).ToBeVisibleAsync();
        }

        return page;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
