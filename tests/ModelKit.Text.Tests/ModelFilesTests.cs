namespace ModelKit.Text.Tests;

public sealed class ModelFilesTests
{
    [Fact]
    public void Package_resources_are_the_model_and_its_vocabulary()
    {
        var vocabulary = File.ReadAllLines(MiniLmFixture.VocabularyPath);
        Assert.Equal(30522, vocabulary.Length);
        Assert.Equal("[PAD]", vocabulary[0].TrimEnd('\r'));
        Assert.Equal("[CLS]", vocabulary[101].TrimEnd('\r'));
        Assert.True(new FileInfo(MiniLmFixture.ModelPath).Length > 80_000_000);
        var signature = ModelKit.OnnxFormat.OnnxSignatureReader.Read(MiniLmFixture.ModelPath);
        Console.WriteLine(signature);
    }
}
