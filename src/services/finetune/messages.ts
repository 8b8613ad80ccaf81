/** Every `/finetune` text, in English and Traditional Chinese. */
import { textTable, type Texts } from '../i18n.ts';

const TEXT = {
  denied: { en: 'You need the **Manage Server** permission to fine-tune models for this server.', 'zh-TW': '你需要「管理伺服器」權限才能為這個伺服器微調模型。' },
  guildOnly: { en: 'Fine-tuning belongs to a server; use this command in a server.', 'zh-TW': '微調屬於伺服器，請在伺服器中使用這個指令。' },
  notJsonl: {
    en: 'Training files are JSONL: one JSON example per line, in a file ending in `.jsonl` (OpenAI refuses other names). `{name}` is not one.',
    'zh-TW': '訓練檔必須是 JSONL：每行一個 JSON 範例，檔名以 `.jsonl` 結尾（OpenAI 不接受其他檔名）。`{name}` 不是。',
  },
  tooLarge: {
    en: 'That file is {size} MB; I take training files up to {max} MB, because I read it and count every token before uploading. Upload larger sets at platform.openai.com/finetune.',
    'zh-TW': '這個檔案有 {size} MB；我接受的訓練檔最大 {max} MB，因為上傳前要讀完整個檔案並計算 token。更大的資料集請到 platform.openai.com/finetune 上傳。',
  },
  downloadFailed: { en: "I couldn't download the file from Discord ({detail}). Please try again.", 'zh-TW': '無法從 Discord 下載檔案（{detail}），請再試一次。' },
  invalid: {
    en: 'I did not upload `{name}`: OpenAI would refuse it. Fix these and upload it again:',
    'zh-TW': '沒有上傳 `{name}`：OpenAI 會拒絕這個檔案。請修正以下問題後重新上傳：',
  },
  moreProblems: { en: '…and {n} more.', 'zh-TW': '……還有 {n} 個問題。' },
  not_utf8: { en: 'The file is not UTF-8 text.', 'zh-TW': '檔案不是 UTF-8 文字。' },
  empty: { en: 'The file is empty.', 'zh-TW': '檔案是空的。' },
  too_few: { en: 'The file has {examples} examples; OpenAI needs at least {min}.', 'zh-TW': '檔案只有 {examples} 個範例；OpenAI 至少需要 {min} 個。' },
  bad_json: { en: 'Line {line}: not valid JSON.', 'zh-TW': '第 {line} 行：不是有效的 JSON。' },
  not_object: { en: 'Line {line}: must be a JSON object like `{"messages": [...]}`.', 'zh-TW': '第 {line} 行：必須是像 `{"messages": [...]}` 的 JSON 物件。' },
  no_messages: { en: 'Line {line}: needs a non-empty `messages` array.', 'zh-TW': '第 {line} 行：需要非空的 `messages` 陣列。' },
  bad_message: { en: 'Line {line}, message {message}: must be an object with `role` and `content`.', 'zh-TW': '第 {line} 行第 {message} 則訊息：必須是含 `role` 與 `content` 的物件。' },
  bad_role: {
    en: 'Line {line}, message {message}: role `{role}` is not `system`, `user` or `assistant`.',
    'zh-TW': '第 {line} 行第 {message} 則訊息：role `{role}` 不是 `system`、`user` 或 `assistant`。',
  },
  bad_content: { en: 'Line {line}, message {message}: `content` must be text.', 'zh-TW': '第 {line} 行第 {message} 則訊息：`content` 必須是文字。' },
  no_assistant: {
    en: 'Line {line}: needs at least one `assistant` message (the answer the model should learn).',
    'zh-TW': '第 {line} 行：至少需要一則 `assistant` 訊息（模型要學的回答）。',
  },
  uploaded: {
    en: 'Uploaded `{name}` as `{file}`: {examples} examples. Start training with `/finetune start file:{file}`.',
    'zh-TW': '已上傳 `{name}`，檔案 ID `{file}`：{examples} 個範例。用 `/finetune start file:{file}` 開始訓練。',
  },
  estimate: { en: '`{model}`: about {tokens} tokens per epoch → {cost}', 'zh-TW': '`{model}`：每個週期約 {tokens} 個 token → {cost}' },
  estimates: {
    en: 'Estimated cost at {epochs} epochs (what OpenAI usually picks for {examples} examples):',
    'zh-TW': '以 {epochs} 個訓練週期（epoch）估算的費用（OpenAI 對 {examples} 個範例通常選擇的週期數）：',
  },
  autoReserve: {
    en: 'Started without `epochs`, a job reserves {n} epochs (the most OpenAI picks) and is charged what it trains.',
    'zh-TW': '不指定 `epochs` 開始時，任務會預留 {n} 個週期（OpenAI 最多會選的數目），並依實際訓練量收費。',
  },
  unknownFile: {
    en: "This server has no training file `{file}`. Upload one with `/finetune upload`, then pick it from the suggestions.",
    'zh-TW': '這個伺服器沒有訓練檔 `{file}`。請先用 `/finetune upload` 上傳，再從建議中選擇。',
  },
  badModel: { en: '`{model}` can\'t be fine-tuned here. Pick one of: {models}.', 'zh-TW': '這裡無法微調 `{model}`。請選擇：{models}。' },
  badSuffix: {
    en: 'The suffix may use only letters, digits, `-` and `_` (up to {max}), so the model\'s name works in `/settings model`.',
    'zh-TW': '後綴只能使用英文字母、數字、`-` 與 `_`（最多 {max} 個字元），這樣模型名稱才能用在 `/settings model`。',
  },
  started: {
    en: 'Started fine-tuning job `{job}`: `{model}` on `{file}` ({examples} examples), {epochs}.\nReserved {cost} from your budget ({tokens} tokens × {n} epochs). You are charged for the tokens OpenAI trains, as it bills them: all of them when the job finishes; if it fails or is cancelled, those trained before it stopped (nothing if it stopped before training). The rest of the reservation is then released. I\'ll post in this channel when it is done; `/finetune status` shows its progress.',
    'zh-TW': '已開始微調任務 `{job}`：以 `{file}`（{examples} 個範例）訓練 `{model}`，{epochs}。\n已從你的額度預留 {cost}（{tokens} 個 token × {n} 個週期）。費用依 OpenAI 實際訓練並計費的 token 計算：完成時為全部；失敗或取消時為停止前已訓練的部分（開始訓練前就停止則不收費）。其餘預留額度隨後釋出。完成後我會在這個頻道通知；`/finetune status` 可查看進度。',
  },
  epochsGiven: { en: '{n} epochs', 'zh-TW': '{n} 個訓練週期' },
  epochsAuto: {
    en: 'epochs chosen by OpenAI (auto; {n} reserved, the most it picks; the charge follows what it trains)',
    'zh-TW': '訓練週期由 OpenAI 決定（auto；預留 {n} 個，即它最多會選的數目；費用依實際訓練量計算）',
  },
  epochsAutoUsual: {
    en: 'epochs chosen by OpenAI (auto: usually {usual} for this file; {n} reserved, the most it picks; the charge follows what it trains)',
    'zh-TW': '訓練週期由 OpenAI 決定（auto：這個檔案通常是 {usual} 個；預留 {n} 個，即它最多會選的數目；費用依實際訓練量計算）',
  },
  unknownJob: { en: 'This server has no fine-tuning job `{job}`. `/finetune list` shows them.', 'zh-TW': '這個伺服器沒有微調任務 `{job}`。`/finetune list` 會列出所有任務。' },
  noJobs: { en: 'This server has no fine-tuning jobs yet. Start one with `/finetune start`.', 'zh-TW': '這個伺服器還沒有微調任務。用 `/finetune start` 開始一個。' },
  statusHeader: { en: 'Fine-tuning job `{job}`: **{status}**', 'zh-TW': '微調任務 `{job}`：**{status}**' },
  statusModel: { en: 'Base model `{model}`, training file `{file}`, {epochs}.', 'zh-TW': '基礎模型 `{model}`，訓練檔 `{file}`，{epochs}。' },
  statusTrained: { en: 'Trained tokens: {n}.', 'zh-TW': '已訓練 token：{n}。' },
  statusReady: { en: 'Fine-tuned model: `{model}`. Use it with `/finetune use job:{job}`.', 'zh-TW': '微調後的模型：`{model}`。用 `/finetune use job:{job}` 套用。' },
  statusReserved: { en: 'Reserved from the budget: {cost}.', 'zh-TW': '已預留額度：{cost}。' },
  statusCharged: { en: 'Charged: {cost}.', 'zh-TW': '已收費：{cost}。' },
  statusReleased: { en: 'Nothing was charged; the reservation was released.', 'zh-TW': '未收費，預留的額度已釋出。' },
  statusError: { en: 'OpenAI says: {error}', 'zh-TW': 'OpenAI 的說明：{error}' },
  statusStale: { en: '⚠️ I could not get the latest status from OpenAI ({failure}); this is what I saw last.', 'zh-TW': '⚠️ 無法從 OpenAI 取得最新狀態（{failure}），以下是上次看到的狀態。' },
  events: { en: 'Latest events:', 'zh-TW': '最近的事件：' },
  listHeader: { en: 'Fine-tuning jobs in this server, newest first:', 'zh-TW': '這個伺服器的微調任務（由新到舊）：' },
  listMore: { en: '…and older ones.', 'zh-TW': '……以及更早的任務。' },
  cancelled: {
    en: 'Cancelled `{job}` before it trained anything. Its reservation of {cost} was released: nothing is charged.',
    'zh-TW': '已在開始訓練前取消 `{job}`。預留的 {cost} 已釋出，不收費。',
  },
  cancelledCharged: {
    en: 'Cancelled `{job}`. It had trained about {tokens} tokens, which OpenAI bills: {charged} was charged and the rest of the {cost} reservation released.',
    'zh-TW': '已取消 `{job}`。它已訓練約 {tokens} 個 token，OpenAI 會對此計費：已收取 {charged}，{cost} 預留額度的其餘部分已釋出。',
  },
  cancelling: {
    en: 'Cancelling `{job}`. It is charged for the tokens it trained before it stopped and the rest of its reservation is released; I\'ll post in its channel once that is settled.',
    'zh-TW': '正在取消 `{job}`。會依停止前已訓練的 token 收費，其餘預留額度釋出；結算後我會在它的頻道通知。',
  },
  alreadyFinished: { en: '`{job}` has already finished ({status}); there is nothing to cancel.', 'zh-TW': '`{job}` 已經結束（{status}），無法取消。' },
  notReady: {
    en: '`{job}` has no model to use yet: it is {status}. `/finetune status job:{job}` shows its progress.',
    'zh-TW': '`{job}` 還沒有可用的模型：目前{status}。`/finetune status job:{job}` 可查看進度。',
  },
  used: {
    en: '<#{channel}> now uses `{model}`: `/ask` there answers with the fine-tuned model. `/settings model` changes it back.',
    'zh-TW': '<#{channel}> 現在使用 `{model}`：在那裡 `/ask` 會由微調後的模型回答。可用 `/settings model` 改回。',
  },
  noticeSucceeded: {
    en: '✅ Fine-tuning job `{job}` finished: `{model}` is ready ({tokens} trained tokens, {cost}). Use it with `/finetune use job:{job}`.',
    'zh-TW': '✅ 微調任務 `{job}` 已完成：`{model}` 可以使用了（訓練 {tokens} 個 token，{cost}）。用 `/finetune use job:{job}` 套用。',
  },
  noticeFailed: { en: '❌ Fine-tuning job `{job}` failed. OpenAI says: {error}\n{money}', 'zh-TW': '❌ 微調任務 `{job}` 失敗。OpenAI 的說明：{error}\n{money}' },
  noticeCancelled: { en: 'Fine-tuning job `{job}` was cancelled. {money}', 'zh-TW': '微調任務 `{job}` 已取消。{money}' },
  noticeFree: { en: 'Nothing was charged.', 'zh-TW': '未收費。' },
  noticePartial: {
    en: 'It had trained about {tokens} tokens before it stopped, which OpenAI bills: {cost} was charged.',
    'zh-TW': '停止前已訓練約 {tokens} 個 token，OpenAI 會對此計費：已收取 {cost}。',
  },
  notSupported: {
    en: "This AI service has no fine-tuning: it doesn't know OpenAI's files or fine-tuning endpoints.",
    'zh-TW': '這個 AI 服務不支援微調：它沒有 OpenAI 的檔案或微調 API。',
  },
  unknownError: { en: 'no reason given.', 'zh-TW': '沒有提供原因。' },
  validating_files: { en: 'checking the training file', 'zh-TW': '正在檢查訓練檔' },
  queued: { en: "waiting in OpenAI's queue", 'zh-TW': '在 OpenAI 排隊中' },
  running: { en: 'training', 'zh-TW': '訓練中' },
  succeeded: { en: 'finished ✅', 'zh-TW': '已完成 ✅' },
  failed: { en: 'failed ❌', 'zh-TW': '失敗 ❌' },
  cancelled_status: { en: 'cancelled', 'zh-TW': '已取消' },
} satisfies Record<string, Texts>;

export type FineTuneTextKey = keyof typeof TEXT;

export const text = textTable<FineTuneTextKey>(TEXT);
