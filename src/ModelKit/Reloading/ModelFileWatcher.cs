namespace ModelKit.Reloading;

/// <summary>Calls back (debounced) when a model file is written, replaced or renamed into place.</summary>
internal sealed class ModelFileWatcher : IDisposable
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(300);
    private readonly FileSystemWatcher _watcher;
    private readonly Timer _timer;
    private readonly Action _changed;

    public ModelFileWatcher(string path, Action changed)
    {
        _changed = changed;
        string full = Path.GetFullPath(path);
        _timer = new Timer(static s => ((ModelFileWatcher)s!).Fire(), this, Timeout.Infinite, Timeout.Infinite);
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(full)!, Path.GetFileName(full))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName | NotifyFilters.CreationTime,
        };
        _watcher.Changed += (_, _) => Schedule();
        _watcher.Created += (_, _) => Schedule();
        _watcher.Renamed += (_, _) => Schedule();
        _watcher.EnableRaisingEvents = true;
    }

    public void Dispose()
    {
        _watcher.Dispose();
        _timer.Dispose();
    }

    private void Schedule() => _timer.Change(Debounce, Timeout.InfiniteTimeSpan);

    private void Fire() => _changed();
}
