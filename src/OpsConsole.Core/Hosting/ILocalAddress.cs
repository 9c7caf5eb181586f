namespace OpsConsole.Core.Hosting;

/// <summary>
/// Where this instance answers HTTP on loopback (e.g. http://127.0.0.1:5000/), for checks of its own public endpoints
/// over real HTTP; null until the server listens, or when it has no http(s) address.
/// </summary>
public interface ILocalAddress
{
    Uri? BaseAddress { get; }
}
