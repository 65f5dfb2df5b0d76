using System.Buffers;
using System.Text;

namespace ModelKit.Text.Tokenization;

/// <summary>A growable char buffer over pooled arrays (no allocation once warm).</summary>
internal ref struct ValueStringBuilder
{
    private char[] _array;
    private int _length;

    public ValueStringBuilder(int capacity)
    {
        _array = ArrayPool<char>.Shared.Rent(Math.Max(16, capacity));
        _length = 0;
    }

    public readonly int Length => _length;

    public readonly ReadOnlySpan<char> AsSpan() => _array.AsSpan(0, _length);

    public void Append(char c)
    {
        if (_length == _array.Length)
        {
            Grow(1);
        }

        _array[_length++] = c;
    }

    public void Append(Rune rune)
    {
        if (rune.IsBmp)
        {
            Append((char)rune.Value);
            return;
        }

        if (_length + 2 > _array.Length)
        {
            Grow(2);
        }

        rune.EncodeToUtf16(_array.AsSpan(_length));
        _length += 2;
    }

    public void Append(ReadOnlySpan<char> chars)
    {
        if (_length + chars.Length > _array.Length)
        {
            Grow(chars.Length);
        }

        chars.CopyTo(_array.AsSpan(_length));
        _length += chars.Length;
    }

    public void Dispose()
    {
        var array = _array;
        _array = [];
        if (array.Length > 0)
        {
            ArrayPool<char>.Shared.Return(array);
        }
    }

    private void Grow(int needed)
    {
        var larger = ArrayPool<char>.Shared.Rent(Math.Max(_array.Length * 2, _length + needed));
        _array.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<char>.Shared.Return(_array);
        _array = larger;
    }
}
