using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace ModelKit.Generators.Model
{
    /// <summary>
    /// A source location as plain data (a <see cref="Location"/> holds its syntax tree alive and compares by reference);
    /// rebuilt with <see cref="Location.Create(string, TextSpan, LinePositionSpan)"/> when a diagnostic is reported.
    /// </summary>
    internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
    {
        public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

        public static LocationInfo? From(Location? location)
        {
            if (location is null || location.SourceTree is null)
            {
                return null;
            }

            return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
        }
    }
}
