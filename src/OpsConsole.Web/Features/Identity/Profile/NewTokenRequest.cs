using System.ComponentModel.DataAnnotations;

namespace OpsConsole.Web.Features.Identity.Profile;

/// <summary>What the "new token" form collects.</summary>
public sealed class NewTokenRequest
{
    [Required(ErrorMessage = "Give the token a name, e.g. the script that will use it.")]
    [StringLength(100, ErrorMessage = "At most 100 characters.")]
    public string Name { get; set; } = "";

    public int LifetimeDays { get; set; } = 30;

    /// <summary>Empty: the token may use all of the user's roles.</summary>
    public IReadOnlyCollection<string> Roles { get; set; } = [];
}
