using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ModelKit.Server.Tests;

/// <summary>Keeps the warnings and errors a server logs, to assert what is (and is not) logged as an error.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    public LogLevel MinimumLevel { get; init; } = LogLevel.Warning;

    public ConcurrentQueue<(string Category, LogLevel Level, EventId Event, string Message, Exception? Exception)> Entries { get; } = new();

    public IEnumerable<string> Errors =>
        Entries.Where(static e => e.Level >= LogLevel.Error).Select(static e => $"{e.Category} {e.Event.Id}: {e.Message} {e.Exception?.GetType().Name}");

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner.MinimumLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Entries.Enqueue((category, logLevel, eventId, formatter(state, exception), exception));
            }
        }
    }
}
