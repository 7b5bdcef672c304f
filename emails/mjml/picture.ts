import type { ImageView } from '../../src/issue/view';
import { picture } from '../theme';
import { css, h, type Element } from './markup';

/**
 * A picture with its text alternative and its size (as emails/components/Picture.tsx). A plain
 * <img> rather than mj-image: mj-image writes `height="auto"`, and the size read from the file
 * is what keeps the layout from jumping while the picture loads.
 */
export function pictureImg(image: ImageView, radius?: string): Element {
  return h('img', {
    src: image.src,
    alt: image.alt,
    width: String(image.width),
    height: image.height === undefined ? undefined : String(image.height),
    style: css({ ...picture(image.width), ...(radius ? { borderRadius: radius } : {}) }),
  });
}
