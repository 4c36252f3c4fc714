// Engine errors as the editor shows them (pure: no vscode; unit-tested). Most read as errorText words them (the
// engine's cause and neutral next step, then this extension's phrase for the input to change); Hub errors whose next
// step is a token, a setting or the cache get one that names this extension's commands and settings.
import { EngineError } from '../../engine/errors';
import { errorText } from '../errorText';

const SET_TOKEN = 'run "CLS Lens: Set Hugging Face Token…"';

/** The editor's next step for a Hub error, or undefined to keep the engine's (see errorText). */
function hubNext(e: EngineError, offlineSetting: boolean): string | undefined {
  switch (e.code) {
    case 'hub-gated':
      // the engine names the repo page; the token goes in with our command
      return `${e.next ?? 'Accept its terms on the repo page while signed in.'} To give CLS Lens the token, ${SET_TOKEN}.`;
    case 'hub-token-rejected':
      return `The token is wrong or expired: ${SET_TOKEN} with a new one (huggingface.co/settings/tokens), or "CLS Lens: Clear Hugging Face Token" for public models.`;
    case 'hub-repo-not-found':
      return `Check the id (org/name, as on the repo page); if the repo is private, ${SET_TOKEN}.`;
    case 'hub-offline':
      return offlineSetting
        ? 'Turn clsLens.offline off (and leave HF_HUB_OFFLINE unset) to download it once, or pick a cached model with "CLS Lens: Select Model…".'
        : `${e.next ?? ''} Pick a cached model with "CLS Lens: Select Model…", or check clsLens.hubEndpoint and HF_HUB_OFFLINE.`.trim();
    case 'hub-network':
      return `${e.next ?? 'Check the connection.'} The endpoint is clsLens.hubEndpoint (else HF_ENDPOINT); turn on clsLens.offline to use cached models only.`;
    default:
      return undefined;
  }
}

/** The message to show for an error; `offlineSetting` says whether clsLens.offline is on. */
export function editorErrorMessage(e: unknown, offlineSetting = false): string {
  if (!(e instanceof EngineError)) return errorText(e);
  const next = hubNext(e, offlineSetting);
  return next === undefined ? errorText(e) : `${e.summary} ${next}`;
}
