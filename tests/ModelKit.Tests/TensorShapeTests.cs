namespace ModelKit.Tests;

public class TensorShapeTests
{
    [Fact]
    public void Fixed_shape_that_matches_is_returned_without_a_copy()
    {
        long[] declared = [1, 1, 28, 28];
        long[]? cache = null;
        Assert.Same(declared, TensorShape.Resolve(declared, 784, ref cache));
        Assert.Null(cache);
    }

    [Fact]
    public void Fixed_shape_with_another_count_does_not_resolve()
    {
        long[]? cache = null;
        Assert.Null(TensorShape.Resolve([1, 1, 28, 28], 783, ref cache));
    }

    [Theory]
    [InlineData(new long[] { -1, 784 }, 1568, new long[] { 2, 784 })]
    [InlineData(new long[] { 3, -1 }, 12, new long[] { 3, 4 })]
    [InlineData(new long[] { -1 }, 0, new long[] { 0 })]
    public void One_dynamic_dimension_is_inferred_from_the_count(long[] declared, long count, long[] expected)
    {
        long[]? cache = null;
        Assert.Equal(expected, TensorShape.Resolve(declared, count, ref cache)!);
    }

    [Fact]
    public void Resolved_shape_is_cached_while_the_count_stays_the_same()
    {
        long[]? cache = null;
        var first = TensorShape.Resolve([-1, 10], 30, ref cache);
        var second = TensorShape.Resolve([-1, 10], 30, ref cache);
        var third = TensorShape.Resolve([-1, 10], 40, ref cache);
        Assert.Same(first, second);
        Assert.Equal([4L, 10L], third!);
    }

    [Fact]
    public void Two_dynamic_dimensions_or_a_remainder_do_not_resolve()
    {
        long[]? cache = null;
        Assert.Null(TensorShape.Resolve([-1, -1], 4, ref cache));
        Assert.Null(TensorShape.Resolve([-1, 3], 10, ref cache));
    }

    [Fact]
    public void Matches_checks_rank_and_fixed_dimensions_only()
    {
        Assert.True(TensorShape.Matches([-1, 3], [7, 3]));
        Assert.False(TensorShape.Matches([-1, 3], [7, 4]));
        Assert.False(TensorShape.Matches([3], [1, 3]));
    }

    [Fact]
    public void Scalars_have_one_element_and_format_as_empty_brackets()
    {
        Assert.Equal(1, TensorShape.ElementCount([]));
        Assert.Equal("[]", TensorShape.Format([]));
        Assert.Equal("[1,-1,28]", TensorShape.Format([1, -1, 28]));
    }
}
