namespace ModelKit.Samples.Media.Search;

/// <summary>One sentence of the corpus and the topic its template belongs to.</summary>
public sealed record CorpusSentence(int Id, string Topic, string Text);

/// <summary>
/// The sentences the samples search: written by the sample itself from templates, so nothing is downloaded and every run sees the
/// same corpus. Ten topics (music, cooking, weather, finance, sport, animals, technology, travel, health, gardening), each a few
/// templates whose slots are filled from small word lists; a seeded shuffle picks distinct sentences evenly across topics.
/// </summary>
public static class SentenceCorpus
{
    /// <summary>The default size: 30 sentences per topic.</summary>
    public const int DefaultCount = 300;

    private static readonly Topic[] Topics =
    [
        new("music",
            ["{0} plays {1} at {2}.", "{0} is practising a new song on {1}.", "The audience at {2} cheered when {0} picked up {1}."],
            ["A young guitarist", "My neighbour", "The jazz quartet", "A street musician", "The school choir", "An old pianist"],
            ["the guitar", "the piano", "a violin", "the drums", "a saxophone", "the cello"],
            ["the concert hall", "a small club", "the festival", "the wedding", "the music school", "the open-air stage"]),
        new("cooking",
            ["{0} slices {1} in {2}.", "{0} is baking {1} for dinner in {2}.", "The smell of {1} filled {2} while {0} stirred the pot."],
            ["The chef", "My grandmother", "A hungry student", "The baker", "Our host", "The cook"],
            ["fresh tomatoes", "a loaf of bread", "garlic and onions", "an apple pie", "a pot of soup", "spicy noodles"],
            ["the kitchen", "the restaurant", "a tiny flat", "the bakery", "the camp kitchen", "the cafeteria"]),
        new("weather",
            ["{0} is expected {1} over {2}.", "Forecasters warn of {0} {1} in {2}.", "{0} left {2} cold and grey {1}."],
            ["Heavy rain", "A thunderstorm", "Thick fog", "A cold front", "Strong wind", "Freezing snow"],
            ["this weekend", "tomorrow morning", "late tonight", "by Friday", "for three days", "before noon"],
            ["the coast", "the northern hills", "the city", "the valley", "the islands", "the airport"]),
        new("finance",
            ["{0} {1} after {2}.", "Investors watched as {0} {1} following {2}.", "Analysts said {0} {1} because of {2}."],
            ["The stock market", "The central bank's bond yield", "The company's share price", "The exchange rate", "The tech index", "Oil futures"],
            ["fell sharply", "rose two percent", "dropped to a yearly low", "recovered slowly", "jumped at the opening bell", "closed lower"],
            ["weak earnings", "the interest rate decision", "an inflation report", "the quarterly results", "a merger announcement", "new trade tariffs"]),
        new("sport",
            ["{0} scored {1} in {2}.", "{0} won the match with {1} during {2}.", "Fans celebrated when {0} made {1} in {2}."],
            ["The striker", "The home team", "A young sprinter", "The tennis champion", "Our goalkeeper", "The basketball captain"],
            ["a late goal", "a perfect serve", "a record time", "a three-pointer", "a stunning header", "a last-second shot"],
            ["the final", "the second half", "the championship", "extra time", "the season opener", "the semifinal"]),
        new("animals",
            ["{0} {1} near {2}.", "We saw {0} that {1} by {2}.", "Every morning {0} {1} in {2}."],
            ["A grey cat", "The old dog", "A family of ducks", "A curious fox", "Two horses", "A little rabbit"],
            ["sleeps in the sun", "chases a ball", "swims slowly", "hunts for mice", "eats fresh grass", "barks at strangers"],
            ["the barn", "the pond", "the garden fence", "the forest path", "the farmhouse", "the riverbank"]),
        new("technology",
            ["{0} released {1} for {2}.", "Engineers at {0} fixed a bug in {1} that affected {2}.", "{0} announced {1} aimed at {2}."],
            ["The software company", "A startup", "The open-source project", "The phone maker", "The cloud provider", "A research lab"],
            ["a new operating system update", "a faster database", "an encryption library", "a smartphone app", "a compiler release", "a machine learning model"],
            ["developers", "millions of laptops", "small businesses", "data centers", "mobile users", "web servers"]),
        new("travel",
            ["{0} booked {1} to {2}.", "{0} missed {1} to {2} and waited at the station.", "After a long flight, {0} took {1} to {2}."],
            ["The tourists", "My sister", "A business traveller", "The backpacker", "Our family", "The tour group"],
            ["a train ticket", "a cheap flight", "a night bus", "a ferry", "a taxi", "a rental car"],
            ["the mountains", "the old town", "the beach resort", "the capital", "the harbour", "the national park"]),
        new("health",
            ["{0} advised {1} to {2}.", "After the check-up, {0} told {1} to {2}.", "{0} reminded {1} to {2} every day."],
            ["The doctor", "The nurse", "A physiotherapist", "The pharmacist", "The dentist", "A sleep specialist"],
            ["the patient", "the elderly man", "her client", "the athlete", "the children", "the whole family"],
            ["drink more water", "take the medicine twice a day", "get more sleep", "stretch after exercise", "brush their teeth carefully", "rest the injured knee"]),
        new("gardening",
            ["{0} planted {1} in {2}.", "{0} watered {1} growing in {2}.", "Each spring {0} prunes {1} beside {2}."],
            ["The gardener", "My grandfather", "Our neighbour", "The volunteers", "A retired teacher", "The children"],
            ["rose bushes", "tulip bulbs", "young apple trees", "rows of carrots", "lavender", "tomato seedlings"],
            ["the vegetable patch", "the greenhouse", "the flower bed", "the backyard", "the community garden", "clay pots"]),
    ];

    /// <summary>The topics' names.</summary>
    public static IReadOnlyList<string> TopicNames { get; } = Topics.Select(static t => t.Name).ToArray();

    /// <summary>
    /// <paramref name="count"/> distinct sentences (at most 10 × 3 × 216), the same for the same arguments: topics take turns, and
    /// within a topic a seeded shuffle of every slot combination decides which sentences appear.
    /// </summary>
    public static IReadOnlyList<CorpusSentence> Generate(int count = DefaultCount, int seed = 7)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var random = new Random(seed);
        var perTopic = Topics.Select(t => Shuffled(t.AllSentences(), random)).ToArray();
        int capacity = perTopic.Sum(static s => s.Count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, capacity);

        var sentences = new List<CorpusSentence>(count);
        for (int round = 0; sentences.Count < count; round++)
        {
            for (int t = 0; t < Topics.Length && sentences.Count < count; t++)
            {
                if (round < perTopic[t].Count)
                {
                    sentences.Add(new CorpusSentence(sentences.Count, Topics[t].Name, perTopic[t][round]));
                }
            }
        }

        return sentences;
    }

    /// <summary>Writes the corpus to <paramref name="path"/>: one <c>topic&lt;TAB&gt;sentence</c> line each.</summary>
    public static void Write(IEnumerable<CorpusSentence> sentences, string path)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllLines(path, sentences.Select(static s => $"{s.Topic}\t{s.Text}"));
    }

    private static List<string> Shuffled(List<string> items, Random random)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }

        return items;
    }

    private sealed record Topic(string Name, string[] Templates, string[] First, string[] Second, string[] Third)
    {
        public List<string> AllSentences()
        {
            var all = new List<string>(Templates.Length * First.Length * Second.Length * Third.Length);
            foreach (var template in Templates)
            {
                foreach (var a in First)
                {
                    foreach (var b in Second)
                    {
                        foreach (var c in Third)
                        {
                            // The first slot starts the sentence in most templates; elsewhere its capital is lowered ("… when the striker …").
                            string first = template.StartsWith("{0}", StringComparison.Ordinal) ? a : char.ToLowerInvariant(a[0]) + a[1..];
                            string text = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, first, b, c);
                            all.Add(char.ToUpperInvariant(text[0]) + text[1..]);
                        }
                    }
                }
            }

            return all;
        }
    }
}
