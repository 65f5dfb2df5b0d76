using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace ModelKit.Server.Tests;

/// <summary>An HTTP/1.1 answer read off a raw socket.</summary>
internal sealed record RawAnswer(int Status, Dictionary<string, string> Headers, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>Speaks HTTP/1.1 over a raw socket, to send what HttpClient never would (bad chunk sizes, resets, lies).</summary>
internal sealed class RawHttp : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly MemoryStream _pending = new();

    private RawHttp(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RawHttp> ConnectAsync(Uri address)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(address.Host, address.Port);
        return new RawHttp(client);
    }

    public Socket Socket => _client.Client;

    public Task SendAsync(string text) => SendAsync(Encoding.ASCII.GetBytes(text));

    public async Task SendAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    /// <summary>Reads one answer (Content-Length or chunked body).</summary>
    public async Task<RawAnswer> ReadAnswerAsync(CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        string head = Encoding.ASCII.GetString(await ReadUntilAsync("\r\n\r\n"u8.ToArray(), timeout.Token));
        var lines = head.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        int status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        byte[] body;
        if (headers.TryGetValue("Content-Length", out var length))
        {
            body = await ReadExactAsync(int.Parse(length, CultureInfo.InvariantCulture), timeout.Token);
        }
        else if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            var all = new MemoryStream();
            while (true)
            {
                string size = Encoding.ASCII.GetString(await ReadUntilAsync("\r\n"u8.ToArray(), timeout.Token)).Trim();
                int count = int.Parse(size, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                var chunk = await ReadExactAsync(count + 2, timeout.Token);
                if (count == 0)
                {
                    break;
                }

                all.Write(chunk, 0, count);
            }

            body = all.ToArray();
        }
        else
        {
            body = [];
        }

        return new RawAnswer(status, headers, body);
    }

    /// <summary>Whether the server closes the connection (reads end) within a bound.</summary>
    public async Task<bool> ClosedByServerAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[1024];
        try
        {
            while (true)
            {
                if (_pending.Length > 0)
                {
                    return false;
                }

                int read = await _stream.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    return true;
                }

                _pending.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Closes with a TCP reset (linger 0), as a client that dies does.</summary>
    public void Reset()
    {
        _client.Client.LingerState = new LingerOption(true, 0);
        _client.Client.Close();
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<byte[]> ReadUntilAsync(byte[] marker, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        while (true)
        {
            var data = _pending.ToArray();
            int at = data.AsSpan().IndexOf(marker);
            if (at >= 0)
            {
                Keep(data, at + marker.Length);
                return data[..at];
            }

            int read = await _stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                throw new IOException("The server closed the connection before answering.");
            }

            _pending.Write(buffer, 0, read);
        }
    }

    private async Task<byte[]> ReadExactAsync(int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        while (_pending.Length < count)
        {
            int read = await _stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                throw new IOException("The server closed the connection mid-answer.");
            }

            _pending.Write(buffer, 0, read);
        }

        var data = _pending.ToArray();
        Keep(data, count);
        return data[..count];
    }

    private void Keep(byte[] data, int from)
    {
        _pending.SetLength(0);
        _pending.Write(data, from, data.Length - from);
    }
}
