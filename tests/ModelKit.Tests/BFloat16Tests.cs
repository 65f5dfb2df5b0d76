namespace ModelKit.Tests;

public class BFloat16Tests
{
    [Theory]
    [InlineData(1.0f, (ushort)0x3F80)]
    [InlineData(-2.0f, (ushort)0xC000)]
    [InlineData(0.0f, (ushort)0x0000)]
    [InlineData(float.PositiveInfinity, (ushort)0x7F80)]
    public void Exact_values_have_the_upper_sixteen_bits(float value, ushort bits)
    {
        Assert.Equal(bits, ((BFloat16)value).Bits);
        Assert.Equal(value, (float)BFloat16.FromBits(bits));
    }

    [Fact]
    public void Conversion_rounds_to_nearest_even_and_keeps_nan()
    {
        // 1 + 2^-8 lies exactly between two bfloat16 values: ties go to the even one (1.0).
        Assert.Equal(1.0f, (float)(BFloat16)(1.0f + (1.0f / 256)));
        // Slightly above the tie rounds up.
        Assert.Equal(1.0078125f, (float)(BFloat16)(1.0f + (1.0f / 256) + (1.0f / 65536)));
        Assert.True(float.IsNaN((BFloat16)float.NaN));
    }
}
