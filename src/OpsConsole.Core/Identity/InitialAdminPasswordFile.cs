using OpsConsole.Core.Storage;

namespace OpsConsole.Core.Identity;

/// <summary>`{data}/initial-admin-password`: the bootstrap admin's one-time password, removed once it has been changed.</summary>
public sealed class InitialAdminPasswordFile(string dataDirectory)
{
    public const string FileName = "initial-admin-password";

    public string Path { get; } = System.IO.Path.Combine(dataDirectory, FileName);

    public bool Exists => File.Exists(Path);

    public void Write(string password) => SecretFile.Write(Path, password + "\n");

    public void Delete()
    {
        if (File.Exists(Path))
        {
            File.Delete(Path);
        }
    }
}
