# Smoke test of the Windows build (the same checks as packaging/smoke_test.sh on Linux), run by
# .github/workflows/windows.yml on the built conseiller-cli.exe and then on the installed one.
# Not run here (no Windows machine): see packaging/README.md.
param([Parameter(Mandatory = $true)][string]$Exe)
$ErrorActionPreference = "Stop"
[Console]::OutputEncoding = [Text.Encoding]::UTF8  # conseiller-cli.exe writes UTF-8 (spec: X utf8)
$work = Join-Path ([IO.Path]::GetTempPath()) ("smoke-" + [guid]::NewGuid())
New-Item -ItemType Directory -Path $work | Out-Null
$env:CONSEILLER_PASSPHRASE = "Une phrase de passe assez longue pour le test 2026 !"
$env:QT_QPA_PLATFORM = "offscreen"
$env:PYTHONUTF8 = "1"
$failed = 0; $passed = 0

function Run([string[]]$Arguments) {
  $out = & $Exe @Arguments 2>&1 | Out-String
  return @{ Code = $LASTEXITCODE; Out = $out }
}
function Expect([string]$Label, $Result, [int]$Code, [string]$Text) {
  if ($Result.Code -eq $Code -and $Result.Out.Contains($Text)) { $script:passed++; Write-Host "  ok   $Label" }
  else { $script:failed++; Write-Host "  ÉCHEC $Label (code $($Result.Code)) :`n$($Result.Out)" }
}

$v = Join-Path $work "coffre"; $d = Join-Path $work "demo"
Expect "--version" (Run @("--version")) 0 "Parcours Grands Chantiers"
Expect "init" (Run @("--data-dir", $v, "init", "--name", "Claire Martin", "--territory", "Arrageois")) 0 "Coffre créé"
$add = Run @("--data-dir", $v, "beneficiary", "add", "--last-name", "Lefèvre", "--first-name", "Jérôme",
             "--birth-date", "1990-05-04", "--commune", "Arras", "--public", "rsa")
Expect "beneficiary add" $add 0 "-"
Expect "beneficiary search" (Run @("--data-dir", $v, "beneficiary", "search", "lefevre")) 0 "LEFÈVRE Jérôme"
Expect "check" (Run @("--data-dir", $v, "check")) 0 "Coffre intègre : 1 dossier(s)"
$env:CONSEILLER_QUIT_AFTER_FIRST_SCREEN = "1"
$watch = [Diagnostics.Stopwatch]::StartNew()
$gui = Run @("--data-dir", $v)
$watch.Stop()
Remove-Item Env:\CONSEILLER_QUIT_AFTER_FIRST_SCREEN
Expect "fenêtre hors écran : écran de déverrouillage puis sortie ($($watch.ElapsedMilliseconds) ms)" $gui 0 "premier écran : UnlockScreen"

Run @("--data-dir", $d, "init", "--name", "Claire Martin", "--territory", "Arrageois") | Out-Null
Expect "demo" (Run @("--data-dir", $d, "demo", "--beneficiaries", "12", "--seed", "3")) 0 "Données de démonstration ajoutées"
$list = (Run @("--data-dir", $d, "referral", "list", "--json")).Out | ConvertFrom-Json
$ref = ($list | Where-Object { $_.consent_state -eq "valid" } | Select-Object -First 1).reference
$pdf = Join-Path $work "fiche.pdf"
$print = Run @("--data-dir", $d, "referral", "print", $ref, "--out", $pdf)
if ($print.Code -eq 0 -and (Test-Path $pdf) -and (Get-Item $pdf).Length -gt 5000) { $passed++; Write-Host "  ok   fiche de liaison $ref" }
else { $failed++; Write-Host "  ÉCHEC referral print :`n$($print.Out)" }

# A newer build opens an older vault (backup, then migrations).
$old = Join-Path $work "ancien"
Copy-Item -Recurse (Join-Path $PSScriptRoot "..\..\tests\data\vault-rev0001") $old
$env:CONSEILLER_PASSPHRASE = "échantillon révision un 0001 !"
Expect "coffre de la révision 0001 mis à niveau" (Run @("--data-dir", $old, "check")) 0 "Coffre intègre : 2 dossier(s)"
if (Get-ChildItem (Join-Path $old "sauvegardes") -Filter "avant-migration-*.db") { $passed++; Write-Host "  ok   sauvegarde avant migration" }
else { $failed++; Write-Host "  ÉCHEC pas de sauvegarde avant migration" }

Remove-Item -Recurse -Force $work
Write-Host "smoke: $passed passed, $failed failed"
if ($failed -ne 0) { exit 1 }
