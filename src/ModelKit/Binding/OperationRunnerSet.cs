namespace ModelKit.Binding;

/// <summary>The runners a backend has bound: kept so that disposing the backend disposes them (and their pooled calls) too.</summary>
public sealed class OperationRunnerSet
{
    private readonly List<OperationRunner> _runners = [];

    /// <summary>Keeps <paramref name="runner"/> and returns it.</summary>
    public TRunner Add<TRunner>(TRunner runner) where TRunner : OperationRunner
    {
        ArgumentNullException.ThrowIfNull(runner);
        lock (_runners)
        {
            _runners.Add(runner);
        }

        return runner;
    }

    /// <summary>Disposes every runner kept so far and forgets them.</summary>
    public void DisposeAll()
    {
        lock (_runners)
        {
            foreach (var runner in _runners)
            {
                runner.Dispose();
            }

            _runners.Clear();
        }
    }
}
