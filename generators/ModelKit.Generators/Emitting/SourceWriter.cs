using System;
using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace ModelKit.Generators.Emitting
{
    /// <summary>An indenting text writer for generated source: four spaces per level, <c>\n</c> line endings.</summary>
    internal sealed class SourceWriter
    {
        private const int SpacesPerLevel = 4;
        private readonly StringBuilder _builder = new StringBuilder(4096);
        private int _indentation;

        public int Indentation
        {
            get => _indentation;
            set
            {
                if (value < 0)
                {
                    throw new ArgumentOutOfRangeException(nameof(value));
                }

                _indentation = value;
            }
        }

        /// <summary>Writes <paramref name="text"/> (which may span lines) indented, then a line break.</summary>
        public void WriteLine(string text)
        {
            if (text.IndexOf('\n') < 0)
            {
                WriteIndented(text);
                return;
            }

            foreach (string line in text.Split('\n'))
            {
                WriteIndented(line);
            }
        }

        /// <summary>Writes an empty line.</summary>
        public void WriteLine() => _builder.Append('\n');

        /// <summary>Writes <c>{</c> and indents.</summary>
        public void OpenBlock()
        {
            WriteLine("{");
            _indentation++;
        }

        /// <summary>Unindents and writes <c>}</c> followed by <paramref name="suffix"/>.</summary>
        public void CloseBlock(string suffix = "")
        {
            _indentation--;
            WriteLine("}" + suffix);
        }

        public SourceText ToSourceText() => SourceText.From(_builder.ToString(), Encoding.UTF8);

        public override string ToString() => _builder.ToString();

        private void WriteIndented(string line)
        {
            if (line.Length > 0)
            {
                _builder.Append(' ', _indentation * SpacesPerLevel);
                _builder.Append(line);
            }

            _builder.Append('\n');
        }
    }
}
